package io.satlake.config;

import java.util.regex.Pattern;

/** Column and table names that come from config are checked here before they reach SQL. */
public final class Identifiers {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  private Identifiers() {}

  public static boolean isSafe(String name) {
    return name != null && SAFE.matcher(name).matches();
  }

  /** Backtick-quotes a name already checked by {@link #isSafe}. */
  public static String quote(String name) {
    if (!isSafe(name)) {
      throw new IllegalArgumentException("unsafe identifier: " + name);
    }
    return "`" + name + "`";
  }
}
