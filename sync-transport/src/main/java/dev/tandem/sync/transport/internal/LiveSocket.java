package dev.tandem.sync.transport.internal;

import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.FrameType;
import dev.tandem.sync.spi.Transport;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live channel ({@code /sync/live}): says hello with the cursor, turns {@code changes} frames
 * into {@link Transport.LiveListener#onChanges}, answers pings, sends its own every interval and
 * gives up on a server that has been silent for two intervals.
 *
 * <p>The listener hears {@code onClosed} exactly once, when the socket closes or fails — unless
 * {@link #close()} came first: whoever closes the channel already knows, so after {@code close()}
 * the listener hears nothing more (an event already being delivered on another thread may finish).
 * Events arrive on OkHttp's WebSocket thread, or on the ping thread for a silent server.
 */
public final class LiveSocket extends WebSocketListener implements Transport.LiveConnection {
  private static final Logger log = LoggerFactory.getLogger(LiveSocket.class);
  private static final int NORMAL_CLOSURE = 1000;

  private final String cursor;
  private final Transport.LiveListener listener;
  private final ScheduledExecutorService scheduler;
  private final long pingIntervalMillis;
  private final Consumer<LiveSocket> onDone;
  private final LongSupplier nanoTime;
  /** Set once: by the first close, failure or {@link #close()}. Nothing is delivered after it. */
  private final AtomicBoolean done = new AtomicBoolean();
  private volatile WebSocket webSocket;
  private volatile ScheduledFuture<?> pings;
  private volatile long lastHeardNanos;

  /**
   * @param scheduler runs the pings; null (or a zero interval) sends none
   * @param onDone told once when this socket is finished, so the transport forgets it
   * @param nanoTime the monotonic clock that times the server's silence ({@code System::nanoTime};
   *     tests pass a manual one, so that a slow machine is never taken for a silent server)
   */
  public LiveSocket(String cursor, Transport.LiveListener listener,
      ScheduledExecutorService scheduler, long pingIntervalMillis, Consumer<LiveSocket> onDone,
      LongSupplier nanoTime) {
    this.cursor = cursor;
    this.listener = listener;
    this.scheduler = scheduler;
    this.pingIntervalMillis = pingIntervalMillis;
    this.onDone = onDone;
    this.nanoTime = nanoTime;
  }

  /** Starts connecting; returns at once. */
  public void connect(OkHttpClient client, Request request) {
    lastHeardNanos = nanoTime.getAsLong();
    webSocket = client.newWebSocket(request, this);
  }

  @Override
  public void onOpen(WebSocket ws, Response response) {
    if (done.get()) {
      return;
    }
    lastHeardNanos = nanoTime.getAsLong();
    ws.send(Frames.hello(cursor));
    if (scheduler != null && pingIntervalMillis > 0) {
      try {
        pings = scheduler.scheduleWithFixedDelay(this::pingOrGiveUp, pingIntervalMillis,
            pingIntervalMillis, TimeUnit.MILLISECONDS);
        if (done.get()) {
          pings.cancel(false);
        }
      } catch (RejectedExecutionException e) {
        // The transport is closing; it closes this socket too.
      }
    }
    if (!done.get()) {
      try {
        listener.onOpen();
      } catch (RuntimeException e) {
        log.warn("live listener failed in onOpen", e);
      }
    }
  }

  @Override
  public void onMessage(WebSocket ws, String text) {
    lastHeardNanos = nanoTime.getAsLong();
    if (done.get()) {
      return;
    }
    Frames.Frame frame = Frames.read(text);
    if (frame == null || frame.type == null) {
      // Forward compatibility: a frame we cannot read is skipped, never fatal.
      log.debug("ignoring unreadable live frame");
      return;
    }
    FrameType type = FrameType.fromWire(frame.type);
    if (type == null) {
      // Forward compatibility again: a newer server may send frames this client does not know.
      return;
    }
    switch (type) {
      case CHANGES:
        try {
          listener.onChanges(frame.cursor);
        } catch (RuntimeException e) {
          log.warn("live listener failed in onChanges", e);
        }
        break;
      case PING:
        ws.send(Frames.pong());
        break;
      case PONG:
        // It only proves the server is alive, which lastHeardNanos already recorded.
        break;
      default:
        try {
          listener.onFrame(frame.type, text);
        } catch (RuntimeException e) {
          log.warn("live listener failed in onFrame", e);
        }
        break;
    }
  }

  @Override
  public void onMessage(WebSocket ws, ByteString bytes) {
    lastHeardNanos = nanoTime.getAsLong();
  }

  @Override
  public void onClosing(WebSocket ws, int code, String reason) {
    ws.close(NORMAL_CLOSURE, null);
    finish(new TransportException(Reason.NETWORK, 0, null,
        "server closed the live channel: " + code + (reason.isEmpty() ? "" : " " + reason)));
  }

  @Override
  public void onClosed(WebSocket ws, int code, String reason) {
    finish(new TransportException(Reason.NETWORK, 0, null,
        "live channel closed: " + code + (reason.isEmpty() ? "" : " " + reason)));
  }

  @Override
  public void onFailure(WebSocket ws, Throwable t, Response response) {
    TransportException cause;
    if (response != null && !response.isSuccessful() && response.code() != 101) {
      byte[] body = new byte[0];
      try {
        if (response.body() != null) {
          body = response.peekBody(Failures.MAX_ERROR_BODY).bytes();
        }
      } catch (IOException | RuntimeException ignored) {
        // The status alone still says what happened.
      }
      cause = Failures.forStatus("live channel", response.code(), body, response.headers(),
          System.currentTimeMillis());
    } else if (t instanceof IOException) {
      cause = Failures.network("live channel", (IOException) t);
    } else {
      cause = new TransportException(Reason.NETWORK, 0, null, "live channel failed: " + t, t);
    }
    finish(cause);
  }

  /** Closes the channel; the listener hears nothing more. Idempotent. */
  @Override
  public void close() {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    stop();
    WebSocket ws = webSocket;
    // close() waits for the server's close frame for at most a minute, then cancels.
    if (ws != null && !ws.close(NORMAL_CLOSURE, "client closing")) {
      ws.cancel();
    }
  }

  /** Drops the connection at once, without a close handshake (the transport is closing). */
  public void cancel() {
    close();
    WebSocket ws = webSocket;
    if (ws != null) {
      ws.cancel();
    }
  }

  private void pingOrGiveUp() {
    WebSocket ws = webSocket;
    if (done.get() || ws == null) {
      return;
    }
    long silentMillis = TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - lastHeardNanos);
    if (silentMillis > 2 * pingIntervalMillis) {
      // A half-open TCP connection can look alive forever; the engine reconnects and catches up.
      finish(new TransportException(Reason.NETWORK, 0, null,
          "live channel silent for " + silentMillis + " ms"));
      ws.cancel();
      return;
    }
    ws.send(Frames.ping());
  }

  private void finish(TransportException cause) {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    stop();
    try {
      listener.onClosed(cause);
    } catch (RuntimeException e) {
      log.warn("live listener failed in onClosed", e);
    }
  }

  private void stop() {
    ScheduledFuture<?> p = pings;
    if (p != null) {
      p.cancel(false);
    }
    onDone.accept(this);
  }
}
