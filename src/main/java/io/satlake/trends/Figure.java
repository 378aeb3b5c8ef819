package io.satlake.trends;

import io.satlake.config.Settings;
import io.satlake.metrics.Metric;
import io.satlake.metrics.SegmentScores;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One metric of one segment over a span of periods (or the window): n always, the estimate
 * only when n reaches min-n (a suppressed figure has none, so it can never be tested, targeted
 * or alerted on).
 *
 * @param rollingPeriods 1 = one period, k = the trailing k periods ending at {@code end}; null = window
 * @param estimate null when n is below min-n (or 0)
 */
public record Figure(List<String> segment, String grain, Integer rollingPeriods, LocalDate start, LocalDate end,
    Metric metric, long n, Metric.Estimate estimate) {

  public Double value() {
    return estimate == null ? null : estimate.value();
  }

  /** segment_key, segment values, period_grain, rolling_periods, period_start, period_end, metric. */
  List<Object> keyColumns(Settings settings) {
    List<Object> v = new ArrayList<>();
    v.add(SegmentScores.segmentKey(segment, settings.segments().dimensions()));
    v.addAll(segment);
    v.add(grain);
    v.add(rollingPeriods);
    v.add(Date.valueOf(start));
    v.add(Date.valueOf(end));
    v.add(metric.name());
    return v;
  }

  /** value, n, low, high. */
  List<Object> figureColumns() {
    return estimate == null ? new ArrayList<>(java.util.Arrays.asList(null, n, null, null))
        : new ArrayList<>(java.util.Arrays.asList(estimate.value(), n, finite(estimate.low()), finite(estimate.high())));
  }

  static Double finite(double value) {
    return Double.isNaN(value) ? null : value;
  }

  /** "channel=call_center, region=north", or "overall". */
  String segmentLabel(Settings settings) {
    List<String> parts = new ArrayList<>();
    List<String> dimensions = settings.segments().dimensions();
    for (int i = 0; i < dimensions.size(); i++) {
      if (segment.get(i) != null) {
        parts.add(dimensions.get(i) + "=" + segment.get(i));
      }
    }
    return parts.isEmpty() ? "overall" : String.join(", ", parts);
  }

  /** "2025-12", "2025-Q4", "the 3 months to 2025-12", or "the analysis window". */
  String spanLabel() {
    if (rollingPeriods == null) {
      return "the analysis window";
    }
    boolean month = grain.equals("month");
    String last = month ? end.toString().substring(0, 7) : end.getYear() + "-Q" + ((end.getMonthValue() + 2) / 3);
    return rollingPeriods == 1 ? last
        : String.format(Locale.ROOT, "the %d %s to %s", rollingPeriods, month ? "months" : "quarters", last);
  }
}
