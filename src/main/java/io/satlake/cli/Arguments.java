package io.satlake.cli;

import io.satlake.SatlakeException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plain argument parsing (configuration itself is HOCON): {@code --name value} options from a
 * known set, repeatable {@code --set key=value}, flags, and positional arguments.
 */
public final class Arguments {
  private final String command;
  private final Map<String, String> options = new LinkedHashMap<>();
  private final Map<String, String> overrides = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();
  private final Set<String> flagsGiven = new java.util.HashSet<>();
  private boolean help;

  private Arguments(String command) {
    this.command = command;
  }

  /** @param valued options that take a value (without "--"), "set" among them where overrides are allowed */
  public static Arguments parse(String command, String[] args, Set<String> valued) {
    return parse(command, args, valued, Set.of());
  }

  /** @param flags options without a value (without "--"), e.g. "rerun-succeeded" */
  public static Arguments parse(String command, String[] args, Set<String> valued, Set<String> flags) {
    Arguments parsed = new Arguments(command);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        parsed.help = true;
      } else if (arg.startsWith("--") && flags.contains(arg.substring(2))) {
        parsed.flagsGiven.add(arg.substring(2));
      } else if (arg.startsWith("--")) {
        String name = arg.substring(2);
        String value = null;
        int eq = name.indexOf('=');
        if (eq > 0) { // --name=value
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (!valued.contains(name)) {
          throw SatlakeException.usage("unknown option --" + name + " (see " + command + " --help)");
        }
        if (value == null) {
          if (i + 1 >= args.length) {
            throw SatlakeException.usage("option --" + name + " needs a value");
          }
          value = args[++i];
        }
        if (name.equals("set")) {
          int at = value.indexOf('=');
          if (at <= 0) {
            throw SatlakeException.usage("--set expects key=value, got '" + value + "'");
          }
          parsed.overrides.put(value.substring(0, at).trim(), value.substring(at + 1));
        } else {
          parsed.options.put(name, value);
        }
      } else {
        parsed.positional.add(arg);
      }
    }
    return parsed;
  }

  public boolean help() {
    return help;
  }

  public boolean flag(String name) {
    return flagsGiven.contains(name);
  }

  public String option(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  public String required(String name) {
    String value = options.get(name);
    if (value == null) {
      throw SatlakeException.usage("--" + name + " is required (see " + command + " --help)");
    }
    return value;
  }

  public long longOption(String name, long fallback) {
    String value = options.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(value.replace("_", ""));
      if (parsed < 0) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw SatlakeException.usage("--" + name + " must be a non-negative whole number, got '" + value + "'");
    }
  }

  public LocalDate date(String name, LocalDate fallback) {
    String value = options.get(name);
    if (value == null) {
      if (fallback == null) {
        throw SatlakeException.usage("--" + name + " YYYY-MM-DD is required");
      }
      return fallback;
    }
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw SatlakeException.usage("--" + name + " must be a calendar date YYYY-MM-DD, got '" + value + "'");
    }
  }

  public Map<String, String> overrides() {
    return overrides;
  }

  public List<String> positional() {
    return positional;
  }

  public void noPositional() {
    if (!positional.isEmpty()) {
      throw SatlakeException.usage("unexpected argument '" + positional.get(0) + "' (see " + command + " --help)");
    }
  }
}
