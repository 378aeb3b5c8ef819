package io.satlake.trends;

import io.satlake.config.Settings;
import io.satlake.io.OutputTables;
import io.satlake.metrics.Metric;
import io.satlake.metrics.ScoreState;
import io.satlake.metrics.ScoreStates;
import io.satlake.metrics.SegmentScores;
import io.satlake.metrics.Stats;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * score_trends: every metric of every segment and period against the previous span, the same
 * span a year earlier and the segment's complement, each with its test; then Benjamini–Hochberg
 * over each comparison's tests (or every test of the run, {@code trends.fdr-family}). Built
 * from the merged states only: a span is a sum of period states, a complement is the overall
 * state minus the segment's (never a total containing it).
 */
public final class ScoreTrends {
  public static final String PREVIOUS_PERIOD = "previous_period";
  public static final String YEAR_AGO = "year_ago";
  public static final String VS_REST = "vs_rest";

  private ScoreTrends() {}

  /**
   * One comparison. reference spans: previous_period and year_ago have their own dates; vs_rest
   * covers the same span as the current figure.
   *
   * @param test null when not tested ({@code notTested} says why)
   * @param qValue Benjamini–Hochberg adjusted p-value; NaN when not tested
   */
  public record Trend(Figure current, String comparison, LocalDate referenceStart, LocalDate referenceEnd,
      Figure reference, Stats.DifferenceTest test, String notTested, double qValue) {

    public Double delta() {
      return current.estimate() == null || reference.estimate() == null ? null
          : current.value() - reference.value();
    }

    /** 'better', 'worse' or 'same' in the metric's good direction; null without both values. */
    public String direction() {
      Double delta = delta();
      if (delta == null) {
        return null;
      }
      return delta == 0 ? "same" : current.metric().worse(current.value(), reference.value()) ? "worse" : "better";
    }

    public boolean significant(double fdrRate) {
      return test != null && qValue <= fdrRate;
    }

    Trend withQ(double q) {
      return new Trend(current, comparison, referenceStart, referenceEnd, reference, test, notTested, q);
    }
  }

  public static List<Trend> compute(Tracker t) {
    ScoreStates states = t.states;
    List<Trend> trends = new ArrayList<>();
    List<Integer> spans = t.settings.tracking().rollingPeriods() >= 2
        ? List.of(1, t.settings.tracking().rollingPeriods()) : List.of(1);
    List<String> overall = states.overall();
    if (states.periods().isEmpty()) {
      return trends;
    }
    String grain = states.grain().label();
    for (List<String> segment : states.segments()) {
      for (LocalDate last : states.periods()) {
        for (int k : spans) {
          LocalDate first = states.shift(last, -(k - 1));
          if (!t.analysed(first)) {
            continue;
          }
          ScoreState current = states.span(segment, first, last);
          if (current.responses() == 0) {
            continue;
          }
          LocalDate end = states.periodEnd(last);
          LocalDate previousFirst = states.shift(first, -k);
          LocalDate previousLast = states.shift(last, -k);
          ScoreState previous = states.span(segment, previousFirst, previousLast);
          ScoreState yearAgo = states.span(segment, first.minusYears(1), last.minusYears(1));
          ScoreState rest = segment.equals(overall) ? null : states.span(overall, first, last).minus(current);
          for (Metric m : t.metrics) {
            Figure now = t.figure(segment, grain, k, first, end, m, current);
            add(trends, now, PREVIOUS_PERIOD, previousFirst, states.periodEnd(previousLast),
                t.figure(segment, grain, k, previousFirst, states.periodEnd(previousLast), m, previous));
            add(trends, now, YEAR_AGO, first.minusYears(1), end.minusYears(1),
                t.figure(segment, grain, k, first.minusYears(1), end.minusYears(1), m, yearAgo));
            if (rest != null) {
              add(trends, now, VS_REST, null, null, t.figure(segment, grain, k, first, end, m, rest));
            }
          }
        }
      }
      if (!segment.equals(overall)) {
        ScoreState whole = states.window(segment);
        ScoreState rest = states.window(overall).minus(whole);
        for (Metric m : t.metrics) {
          add(trends, t.figure(segment, SegmentScores.WINDOW, null, t.window.start(), t.window.end(), m, whole),
              VS_REST, null, null,
              t.figure(segment, SegmentScores.WINDOW, null, t.window.start(), t.window.end(), m, rest));
        }
      }
    }
    return controlFalseDiscoveries(trends, t.settings.tracking().fdrFamily());
  }

  /** A comparison needs responses with the metric on both sides; below min-n it is kept but not tested. */
  private static void add(List<Trend> trends, Figure current, String comparison, LocalDate referenceStart,
      LocalDate referenceEnd, Figure reference) {
    if (current.n() == 0 || reference.n() == 0) {
      return;
    }
    if (current.estimate() == null || reference.estimate() == null) {
      trends.add(new Trend(current, comparison, referenceStart, referenceEnd, reference, null, "small_n", Double.NaN));
      return;
    }
    Stats.DifferenceTest test = current.estimate().versus(reference.estimate());
    boolean testable = !Double.isNaN(test.pValue());
    // with min-n below 2 a mean may rest on one response, whose spread is unknown, not zero
    String why = Math.min(current.n(), reference.n()) < 2 ? "small_n" : "no_variance";
    trends.add(new Trend(current, comparison, referenceStart, referenceEnd, reference, testable ? test : null,
        testable ? null : why, Double.NaN));
  }

  /**
   * q-values of the tested comparisons, by Benjamini–Hochberg within each family: all tests of one
   * comparison (previous_period, year_ago, vs_rest) over every segment, span and metric, or every
   * test of the run.
   */
  static List<Trend> controlFalseDiscoveries(List<Trend> trends, Settings.Tracking.FdrFamily family) {
    Map<String, List<Integer>> families = new LinkedHashMap<>();
    for (int i = 0; i < trends.size(); i++) {
      if (trends.get(i).test() != null) {
        String key = family == Settings.Tracking.FdrFamily.RUN ? "" : trends.get(i).comparison();
        families.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
      }
    }
    List<Trend> adjusted = new ArrayList<>(trends);
    for (List<Integer> tested : families.values()) {
      double[] q = Stats.benjaminiHochberg(tested.stream().mapToDouble(i -> trends.get(i).test().pValue()).toArray());
      for (int j = 0; j < tested.size(); j++) {
        adjusted.set(tested.get(j), trends.get(tested.get(j)).withQ(q[j]));
      }
    }
    return adjusted;
  }

  public static Dataset<Row> table(List<Trend> trends, Settings settings, LocalDate runDate, String runId) {
    double rate = settings.tracking().fdrRate();
    List<Row> rows = new ArrayList<>();
    for (Trend trend : trends) {
      List<Object> v = new ArrayList<>(List.of(Date.valueOf(runDate), runId));
      v.addAll(trend.current().keyColumns(settings));
      v.add(trend.comparison());
      v.addAll(trend.current().figureColumns());
      v.add(trend.referenceStart() == null ? null : Date.valueOf(trend.referenceStart()));
      v.add(trend.referenceEnd() == null ? null : Date.valueOf(trend.referenceEnd()));
      v.add(trend.reference().value());
      v.add(trend.reference().n());
      v.add(trend.delta());
      v.add(trend.direction());
      Stats.DifferenceTest test = trend.test();
      v.addAll(test == null ? Arrays.asList(null, null, null, null, null, null)
          : Arrays.asList(test.test(), test.statistic(), Figure.finite(test.df()), test.pValue(), trend.qValue(),
              trend.significant(rate)));
      v.add(trend.notTested());
      rows.add(RowFactory.create(v.toArray()));
    }
    return SparkSession.active().createDataFrame(rows, OutputTables.scoreTrends(settings).schema());
  }
}
