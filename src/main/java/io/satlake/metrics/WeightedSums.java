package io.satlake.metrics;

import io.satlake.config.Identifiers;
import io.satlake.weighting.SurveyWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * The weighted part of a segment's mergeable state: per measure, the responses carrying it and
 * Σw, Σw², Σw·x, Σw·x² over them, which finish a weighted value, its Kish effective n and its
 * interval. The measures are every response (x = 1, for the row's effective n), NPS (x = +1
 * promoter, 0 passive, −1 detractor), CSAT (x = 1 for 4–5, else 0) and each weighted mean score.
 */
final class WeightedSums {
  static final int ALL = 0;
  static final int NPS = 1;
  static final int CSAT = 2;
  static final int FIRST_MEAN = 3;
  private static final int SUMS_PER_MEASURE = 5;

  /** n, Σw, Σw², Σw·x, Σw·x² per measure, concatenated; empty until read or added to. */
  private double[] sums = new double[0];

  /**
   * The aggregate expressions, SUMS_PER_MEASURE per measure, for facts that may lack the weight
   * (then every weight is 1) or a score (then it has no responses).
   */
  static List<String> aggregates(List<String> factColumns, List<String> meanScores) {
    String w = factColumns.contains(SurveyWeights.WEIGHT) ? Identifiers.quote(SurveyWeights.WEIGHT) : "1.0";
    List<String> measures = new ArrayList<>();
    measures.add("1.0");
    measures.add("CASE WHEN nps >= 9 THEN 1.0 WHEN nps <= 6 THEN -1.0 WHEN nps IS NOT NULL THEN 0.0 END");
    measures.add("CASE WHEN csat >= 4 THEN 1.0 WHEN csat IS NOT NULL THEN 0.0 END");
    for (String score : meanScores) {
      measures.add(factColumns.contains(score) ? "CAST(" + Identifiers.quote(score) + " AS DOUBLE)" : "CAST(NULL AS DOUBLE)");
    }
    List<String> aggregates = new ArrayList<>();
    for (String x : measures) {
      String present = "CASE WHEN (" + x + ") IS NOT NULL THEN ";
      aggregates.addAll(List.of("count(" + x + ")", "sum(" + present + w + " END)",
          "sum(" + present + w + " * " + w + " END)", "sum(" + w + " * (" + x + "))",
          "sum(" + w + " * (" + x + ") * (" + x + "))"));
    }
    return aggregates;
  }

  /** Reads the {@link #aggregates} of {@code measures} measures from the row, starting at {@code at}. */
  void read(Row row, int at, int measures) {
    sums = new double[measures * SUMS_PER_MEASURE];
    for (int i = 0; i < sums.length; i++) {
      sums[i] = row.isNullAt(at + i) ? 0 : ((Number) row.get(at + i)).doubleValue();
    }
  }

  /** Number of aggregate columns read by {@link #read}. */
  int width() {
    return sums.length;
  }

  /** Adds (sign 1) or subtracts (sign −1, for a complement) the other state's sums. */
  void add(WeightedSums other, int sign) {
    if (sums.length == 0) {
      sums = new double[other.sums.length];
    }
    for (int i = 0; i < other.sums.length; i++) {
      sums[i] += sign * other.sums[i];
    }
  }

  long n(int measure) {
    return (long) sums[measure * SUMS_PER_MEASURE];
  }

  /** Σw, Σw², Σw·x, Σw·x² of the measure. */
  double[] of(int measure) {
    int at = measure * SUMS_PER_MEASURE + 1;
    return Arrays.copyOfRange(sums, at, at + SUMS_PER_MEASURE - 1);
  }

  /**
   * Appends the row's weighted columns in table order (n_effective, then per measure the
   * weighted value, its bounds and effective n). A measure with n below min-n is withheld like
   * its unweighted figures (its effective n is still shown).
   *
   * @return whether a figure was withheld
   */
  boolean appendFigures(List<Object> values, int minN) {
    values.add(n(ALL) == 0 ? null : Stats.kishEffectiveN(of(ALL)[0], of(ALL)[1]));
    boolean withheld = false;
    for (int m = NPS; m < sums.length / SUMS_PER_MEASURE; m++) {
      long n = n(m);
      boolean show = n >= minN;
      withheld |= !show && n > 0;
      double[] s = of(m);
      Stats.WeightedEstimate e = !show ? null : m == NPS ? Stats.weightedNps(s[0], s[1], s[2], s[3])
          : m == CSAT ? Stats.weightedShare(s[0], s[1], s[2]) : Stats.weightedMean(n, s[0], s[1], s[2], s[3]);
      values.add(e == null ? null : e.value());
      values.add(e == null ? null : nanToNull(e.low()));
      values.add(e == null ? null : nanToNull(e.high()));
      values.add(n == 0 ? null : Stats.kishEffectiveN(s[0], s[1]));
    }
    return withheld;
  }

  private static Double nanToNull(double value) {
    return Double.isNaN(value) ? null : value;
  }
}
