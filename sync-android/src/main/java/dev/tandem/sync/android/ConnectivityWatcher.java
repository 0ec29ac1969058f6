package dev.tandem.sync.android;

import android.net.ConnectivityManager;
import android.net.Network;
import android.net.NetworkCapabilities;
import dev.tandem.sync.ClosedException;
import java.util.function.Consumer;

/**
 * Follows the default network through {@link ConnectivityManager.NetworkCallback} and tells the
 * engine whether there is one. The callbacks arrive on the platform's connectivity thread; the
 * engine's hint only flips flags and schedules work, so nothing here blocks.
 */
final class ConnectivityWatcher {
  private final ConnectivityManager manager;
  private final Consumer<Boolean> sink;
  private final ConnectivityManager.NetworkCallback callback =
      new ConnectivityManager.NetworkCallback() {
        @Override
        public void onAvailable(Network network) {
          report(true);
        }

        @Override
        public void onCapabilitiesChanged(Network network, NetworkCapabilities caps) {
          report(caps.hasCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET));
        }

        @Override
        public void onLost(Network network) {
          // The default network is gone; another becoming default calls onAvailable.
          report(false);
        }
      };
  private volatile boolean stopped;

  private ConnectivityWatcher(ConnectivityManager manager, Consumer<Boolean> sink) {
    this.manager = manager;
    this.sink = sink;
  }

  /** Reports the current state at once, then every change until {@link #stop()}. */
  static ConnectivityWatcher start(ConnectivityManager manager, Consumer<Boolean> sink) {
    ConnectivityWatcher w = new ConnectivityWatcher(manager, sink);
    w.report(hasNetwork(manager));
    manager.registerDefaultNetworkCallback(w.callback);
    return w;
  }

  void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      manager.unregisterNetworkCallback(callback);
    } catch (IllegalArgumentException alreadyGone) {
      // Never registered or already unregistered: nothing to undo.
    }
  }

  private void report(boolean available) {
    if (!stopped) {
      try {
        sink.accept(available);
      } catch (ClosedException closedMeanwhile) {
        // The Tandem was closed between the callback and here; stop() follows.
      }
    }
  }

  private static boolean hasNetwork(ConnectivityManager manager) {
    Network active = manager.getActiveNetwork();
    if (active == null) {
      return false;
    }
    NetworkCapabilities caps = manager.getNetworkCapabilities(active);
    // Without capabilities to read, trust that there is a network and let a request decide.
    return caps == null || caps.hasCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET);
  }
}
