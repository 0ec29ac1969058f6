package dev.tandem.sync.server;

/** A {@link ServerStore} that passes every call to another; tests override what they break. */
class ForwardingStore extends ForwardingServerStore {
  final ServerStore inner;

  ForwardingStore(ServerStore inner) {
    super(inner);
    this.inner = inner;
  }
}
