package io.satlake.trends;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which segments a target or alert rule applies to: "" (or "overall") = the overall row;
 * "region=north,customer_tier=high_value" = exactly that cell; the value "*" matches every value
 * of its dimension, so "region=*" is every region row.
 */
record SegmentFilter(Map<String, String> values) {

  /**
   * @throws IllegalArgumentException naming the problem, when a dimension is unknown or repeated
   *     or the combination of dimensions is not a scored level
   */
  static SegmentFilter parse(String text, List<String> dimensions, List<List<String>> levels) {
    Map<String, String> values = new LinkedHashMap<>();
    String trimmed = text == null ? "" : text.trim();
    if (!trimmed.isEmpty() && !trimmed.equals("overall")) {
      for (String part : trimmed.split(",")) {
        int at = part.indexOf('=');
        String dimension = at < 0 ? part.trim() : part.substring(0, at).trim();
        if (at < 0 || !dimensions.contains(dimension) || part.substring(at + 1).isBlank()) {
          throw new IllegalArgumentException("segment '" + text + "': '" + part.trim()
              + "' must be <dimension>=<value or *> with a dimension of " + dimensions);
        }
        if (values.put(dimension, part.substring(at + 1).trim()) != null) {
          throw new IllegalArgumentException("segment '" + text + "' names " + dimension + " twice");
        }
      }
    }
    boolean scored = levels.stream().anyMatch(l -> l.size() == values.size() && l.containsAll(values.keySet()));
    if (!scored) {
      throw new IllegalArgumentException("segment '" + text + "': " + values.keySet()
          + " is not a scored level (segments.dimensions or segments.combinations)");
    }
    return new SegmentFilter(values);
  }

  /** True for a segment (values per dimension, NULL = all) grouped by exactly these dimensions with matching values. */
  boolean matches(List<String> segment, List<String> dimensions) {
    for (int i = 0; i < dimensions.size(); i++) {
      String wanted = values.get(dimensions.get(i));
      String actual = segment.get(i);
      if (wanted == null ? actual != null : actual == null || !(wanted.equals("*") || wanted.equals(actual))) {
        return false;
      }
    }
    return true;
  }
}
