package dev.tandem.sync.cli;

import dev.tandem.sync.Conversation;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "privacy", mixinStandardHelpOptions = true,
    description = "Whether a conversation may leave this device.",
    subcommands = {PrivacyCommand.LocalOnly.class, PrivacyCommand.Sync.class})
final class PrivacyCommand extends BaseCommand {
  @Override
  public Integer call() {
    spec.commandLine().usage(err());
    return 2;
  }

  abstract static class SetPrivacy extends BaseCommand {
    @Parameters(paramLabel = "ID") String id;
    @Option(names = "--json", description = "Machine-readable output.") boolean json;

    abstract String value();

    @Override
    public Integer call() {
      try (Tandem tandem = root().open()) {
        if (tandem.conversations().get(id) == null) {
          err().println("tandem: no conversation " + id);
          return 1;
        }
        Conversation c = tandem.conversations().setPrivacy(id, value());
        if (json) {
          printJson(Json.object().put("id", c.id()).put("privacy", c.privacy()));
        } else {
          out().println(c.id() + " is now " + c.privacy());
          out().flush();
        }
      }
      return 0;
    }
  }

  @Command(name = "local-only", mixinStandardHelpOptions = true,
      description = "Marks a conversation never to leave this device.")
  static final class LocalOnly extends SetPrivacy {
    @Override
    String value() {
      return Conversation.PRIVACY_LOCAL_ONLY;
    }
  }

  @Command(name = "sync", mixinStandardHelpOptions = true,
      description = "Lets a conversation sync again.")
  static final class Sync extends SetPrivacy {
    @Override
    String value() {
      return Conversation.PRIVACY_SYNC;
    }
  }
}
