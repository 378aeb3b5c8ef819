package io.satlake.metrics;

import io.satlake.config.Identifiers;
import io.satlake.config.Settings;
import io.satlake.config.Settings.DateRange;
import io.satlake.io.OutputTables;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * segment_scores (DESIGN §4-§5): one aggregation over all grouping sets (each configured level
 * × period) produces mergeable sums; window rows are the sums of a segment's period rows; every
 * figure is then finished from those few thousand states by {@link Stats}. The same aggregation
 * sums the survey weights ({@link WeightedSums}) for the weighted figures beside the unweighted.
 */
public final class SegmentScores {
  public static final String PERIOD_START = "period_start";
  public static final String WINDOW = "window";

  private SegmentScores() {}

  /**
   * @param facts accepted, enriched responses of the window with a {@code period_start} column
   */
  public static Dataset<Row> compute(Dataset<Row> facts, Settings settings, LocalDate runDate, String runId,
      DateRange window) {
    return table(states(facts, settings), settings, runDate, runId, window);
  }

  /** The mergeable states of every segment and period: one aggregation over the facts. */
  public static ScoreStates states(Dataset<Row> facts, Settings settings) {
    return aggregate(facts, settings, settings.segments().dimensions(), meanScores(settings));
  }

  /** The segment_scores rows: window rows (sums of each segment's periods), then period rows. */
  public static Dataset<Row> table(ScoreStates states, Settings settings, LocalDate runDate, String runId,
      DateRange window) {
    List<String> meanScores = meanScores(settings);
    // With no window start (all history), every window row starts at the first response analysed.
    LocalDate windowStart = window.start() != null ? window.start() : states.firstResponseDate(window.end());
    DateRange bounds = new DateRange(windowStart, window.end());
    List<Row> rows = new ArrayList<>();
    for (List<String> segment : states.segments()) {
      rows.add(finish(new Key(segment, null), states.window(segment), true, settings, runDate, runId, bounds,
          meanScores));
    }
    for (List<String> segment : states.segments()) {
      states.periodsOf(segment).forEach((period, state) -> rows.add(
          finish(new Key(segment, period), state, false, settings, runDate, runId, bounds, meanScores)));
    }
    SparkSession spark = SparkSession.active();
    return spark.createDataFrame(rows, OutputTables.segmentScores(settings).schema());
  }

  /** The mean scores kept as integer sums: ces, then each dimension rating. */
  private static List<String> meanScores(Settings settings) {
    List<String> meanScores = new ArrayList<>();
    meanScores.add("ces");
    meanScores.addAll(settings.dimensionColumns());
    return meanScores;
  }

  /** A segment (values per dimension, NULL = all) and period start (NULL = the window). */
  private record Key(List<String> segment, LocalDate period) {}

  private static ScoreStates aggregate(Dataset<Row> facts, Settings settings, List<String> dimensions,
      List<String> meanScores) {
    String view = "satlake_scores_" + UUID.randomUUID().toString().replace('-', '_');
    facts.createOrReplaceTempView(view);
    // Every score is a mergeable count or integer sum, so the responses are aggregated once at
    // the finest grain (all dimensions × period) and the grouping sets roll up that small
    // result: no grouping-set expansion of the responses themselves.
    StringJoiner fine = new StringJoiner(", ");
    StringJoiner select = new StringJoiner(", ");
    dimensions.forEach(d -> fine.add(Identifiers.quote(d)));
    dimensions.forEach(d -> select.add(Identifiers.quote(d)));
    dimensions.forEach(d -> select.add("grouping(" + Identifiers.quote(d) + ")"));
    fine.add(PERIOD_START);
    select.add(PERIOD_START);
    // Every aggregate below is a count or sum: mergeable, so the outer query adds them up.
    List<String> mergeable = new ArrayList<>(List.of("count(*)", "count(nps)", "count_if(nps >= 9)",
        "count_if(nps <= 6)", "count(csat)", "count_if(csat >= 4)"));
    for (String score : meanScores) {
      String c = "CAST(" + Identifiers.quote(score) + " AS BIGINT)";
      mergeable.addAll(List.of("count(" + c + ")", "sum(" + c + ")", "sum(" + c + " * " + c + ")"));
    }
    List<String> weightedScores = OutputTables.weightedMeanScores(settings);
    mergeable.addAll(WeightedSums.aggregates(List.of(facts.columns()), weightedScores));
    String index = Settings.SATISFACTION_INDEX;
    mergeable.addAll(List.of("count(" + index + ")", "sum(" + index + ")", "sum(" + index + " * " + index + ")",
        "count(complaint_category)"));
    List<String> categories = settings.tracking().complaintCategories();
    categories.forEach(c -> mergeable.add("count_if(complaint_category = '" + c + "')")); // identifiers: safe in SQL
    fine.add("min(survey_date) AS first_date");
    select.add("min(first_date)");
    for (int i = 0; i < mergeable.size(); i++) {
      fine.add(mergeable.get(i) + " AS s" + i);
      select.add("sum(s" + i + ")");
    }
    StringJoiner sets = new StringJoiner(", ");
    for (List<String> level : settings.segments().levels()) {
      StringJoiner set = new StringJoiner(", ", "(", ")");
      level.forEach(d -> set.add(Identifiers.quote(d)));
      set.add(PERIOD_START);
      sets.add(set.toString());
    }
    StringJoiner groupBy = new StringJoiner(", ");
    dimensions.forEach(d -> groupBy.add(Identifiers.quote(d)));
    groupBy.add(PERIOD_START);
    String sql = "SELECT " + select + " FROM (SELECT " + fine + " FROM " + view + " GROUP BY " + groupBy
        + ") GROUP BY " + groupBy + " GROUPING SETS (" + sets + ")";
    List<Row> aggregated;
    try {
      aggregated = facts.sparkSession().sql(sql).collectAsList(); // one row per segment × period: small
    } finally {
      facts.sparkSession().catalog().dropTempView(view);
    }
    int d = dimensions.size();
    ScoreStates.Builder states = new ScoreStates.Builder();
    for (Row row : aggregated) {
      List<String> segment = new ArrayList<>();
      for (int i = 0; i < d; i++) {
        segment.add(row.getByte(d + i) == 1 ? null : row.getString(i));
      }
      ScoreState s = new ScoreState(meanScores.size(), categories.size());
      int at = 2 * d;
      LocalDate period = row.getDate(at++).toLocalDate();
      s.firstDate = row.getDate(at++).toLocalDate();
      s.responses = row.getLong(at++);
      s.npsN = row.getLong(at++);
      s.promoters = row.getLong(at++);
      s.detractors = row.getLong(at++);
      s.csatN = row.getLong(at++);
      s.csatTop2 = row.getLong(at++);
      for (int m = 0; m < meanScores.size(); m++) {
        s.meanN[m] = row.getLong(at++);
        s.meanSum[m] = row.isNullAt(at) ? 0 : row.getLong(at);
        at++;
        s.meanSumSquares[m] = row.isNullAt(at) ? 0 : row.getLong(at);
        at++;
      }
      s.weighted.read(row, at, WeightedSums.FIRST_MEAN + weightedScores.size());
      at += s.weighted.width();
      s.indexN = row.getLong(at++);
      s.indexSum = row.isNullAt(at) ? 0 : row.getDouble(at);
      at++;
      s.indexSumSquares = row.isNullAt(at) ? 0 : row.getDouble(at);
      at++;
      s.complaints = row.getLong(at++);
      for (int c = 0; c < categories.size(); c++) {
        s.categoryComplaints[c] = row.getLong(at++);
      }
      states.put(segment, period, s);
    }
    return states.build(settings.periodGrain(), new ScoreState(meanScores.size(), categories.size()), d);
  }

  private static Row finish(Key key, ScoreState s, boolean wholeWindow, Settings settings, LocalDate runDate,
      String runId, DateRange window, List<String> meanScores) {
    int minN = settings.minN();
    List<Object> v = new ArrayList<>();
    v.add(Date.valueOf(runDate));
    v.add(runId);
    v.add(segmentKey(key.segment(), settings.segments().dimensions()));
    v.addAll(key.segment());
    LocalDate start;
    LocalDate end;
    if (wholeWindow) {
      v.add(WINDOW);
      start = window.start();
      end = window.end();
    } else {
      v.add(settings.periodGrain().label());
      start = key.period();
      end = (settings.periodGrain() == Settings.PeriodGrain.MONTH ? start.plusMonths(1) : start.plusMonths(3))
          .minusDays(1);
    }
    v.add(Date.valueOf(start));
    v.add(Date.valueOf(end));
    v.add(s.responses);
    int suppressedAt = v.size();
    v.add(false);
    boolean suppressed = false;

    boolean showNps = s.npsN >= minN;
    suppressed |= !showNps && s.npsN > 0;
    v.add(s.npsN);
    if (showNps) {
      Stats.NpsEstimate e = Stats.nps(s.npsN, s.promoters, s.detractors);
      v.addAll(Arrays.asList(e.nps(), e.promoterPct(), e.passivePct(), e.detractorPct(), e.se(), e.margin(),
          e.low(), e.high(), e.adjustedLow(), e.adjustedHigh()));
    } else {
      v.addAll(nulls(10));
    }

    boolean showCsat = s.csatN >= minN;
    suppressed |= !showCsat && s.csatN > 0;
    v.add(s.csatN);
    if (showCsat) {
      Stats.Proportion p = Stats.wilson(s.csatTop2, s.csatN);
      v.addAll(Arrays.asList(p.pct(), p.low(), p.high()));
    } else {
      v.addAll(nulls(3));
    }

    for (int m = 0; m < meanScores.size(); m++) {
      long n = s.meanN[m];
      boolean show = n >= minN;
      suppressed |= !show && n > 0;
      v.add(n);
      if (show) {
        Stats.Mean mean = Stats.mean(n, s.meanSum[m], s.meanSumSquares[m]);
        v.addAll(Arrays.asList(mean.mean(), nanToNull(mean.sd()), nanToNull(mean.low()), nanToNull(mean.high())));
      } else {
        v.addAll(nulls(4));
      }
    }
    // Satisfaction index and complaint shares, finished by their Metric as trends and targets see them.
    for (Metric metric : Metric.all(settings)) {
      Metric.Source source = metric.source();
      if (source != Metric.Source.INDEX && source != Metric.Source.COMPLAINTS && source != Metric.Source.CATEGORY) {
        continue; // columns above
      }
      long n = metric.n(s);
      boolean show = n >= minN;
      suppressed |= !show && n > 0;
      Metric.Estimate e = show ? metric.estimate(s) : null;
      if (source == Metric.Source.INDEX) {
        v.add(n);
        v.addAll(e == null ? nulls(4)
            : Arrays.asList(e.value(), nanToNull(e.mean().sd()), nanToNull(e.low()), nanToNull(e.high())));
      } else {
        if (source == Metric.Source.COMPLAINTS) {
          v.add(n); // the categories share this n
        }
        v.addAll(e == null ? nulls(3) : Arrays.asList(e.value(), e.low(), e.high()));
      }
    }
    suppressed |= s.weighted.appendFigures(v, minN);
    v.set(suppressedAt, suppressed);
    return RowFactory.create(v.toArray());
  }

  /** 'overall', or the grouped dimensions in configured order joined by commas. */
  public static String segmentKey(List<String> segment, List<String> dimensions) {
    StringJoiner key = new StringJoiner(",");
    for (int i = 0; i < dimensions.size(); i++) {
      if (segment.get(i) != null) {
        key.add(dimensions.get(i));
      }
    }
    return key.length() == 0 ? "overall" : key.toString();
  }

  private static List<Object> nulls(int count) {
    return Arrays.asList(new Object[count]);
  }

  private static Double nanToNull(double value) {
    return Double.isNaN(value) ? null : value;
  }
}
