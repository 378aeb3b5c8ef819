package io.satlake.io;

import java.util.List;
import java.util.stream.Collectors;

/** RFC 4180 lines: NULL is an empty field; empty, space-padded or special values are quoted. */
public final class Csv {
  private Csv() {}

  public static String line(List<?> fields) {
    return fields.stream().map(Csv::field).collect(Collectors.joining(","));
  }

  static String field(Object value) {
    if (value == null) {
      return "";
    }
    String text = value.toString();
    boolean quote = text.isEmpty() || !text.strip().equals(text) || text.contains(",") || text.contains("\"")
        || text.contains("\n") || text.contains("\r");
    return quote ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
  }
}
