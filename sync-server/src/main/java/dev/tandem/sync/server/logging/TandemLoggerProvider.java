package dev.tandem.sync.server.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Registers {@link Logs} with SLF4J 2 (through {@code META-INF/services}). An application that
 * embeds the server and has its own backend chooses it with {@code -Dslf4j.provider=...}.
 */
public final class TandemLoggerProvider implements SLF4JServiceProvider {
  private ILoggerFactory factory;
  private IMarkerFactory markers;
  private MDCAdapter mdc;

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    factory = new TandemLoggerFactory();
    markers = new BasicMarkerFactory();
    mdc = new BasicMDCAdapter();
  }
}
