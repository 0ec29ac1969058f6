package dev.tandem.sync.cli;

/** Body of the commands that need the transport or server modules, not wired yet. */
abstract class NotAvailable extends BaseCommand {
  @Override
  public Integer call() {
    err().println("tandem " + spec.qualifiedName(" ").replaceFirst("^tandem ", "")
        + ": not available yet");
    err().flush();
    return 1;
  }
}
