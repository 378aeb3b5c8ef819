package io.satlake.metrics;

import io.satlake.config.Identifiers;
import io.satlake.config.Settings;
import io.satlake.config.Settings.DateRange;
import io.satlake.io.OutputTables;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    List<String> dimensions = settings.segments().dimensions();
    List<String> meanScores = new ArrayList<>();
    meanScores.add("ces");
    meanScores.addAll(settings.dimensionColumns());
    Map<Key, ScoreState> periods = aggregate(facts, settings, dimensions, meanScores);

    Map<Key, ScoreState> windows = new LinkedHashMap<>();
    periods.forEach((key, state) -> windows
        .computeIfAbsent(new Key(key.segment(), null), k -> new ScoreState(meanScores.size())).add(state));

    // With no window start (all history), every window row starts at the first response analysed.
    LocalDate windowStart = window.start() != null ? window.start()
        : periods.values().stream().map(s -> s.firstDate).min(LocalDate::compareTo).orElse(window.end());
    DateRange bounds = new DateRange(windowStart, window.end());
    List<Row> rows = new ArrayList<>();
    windows.forEach((key, state) -> rows.add(finish(key, state, true, settings, runDate, runId, bounds, meanScores)));
    periods.forEach((key, state) -> rows.add(finish(key, state, false, settings, runDate, runId, bounds, meanScores)));
    SparkSession spark = facts.sparkSession();
    return spark.createDataFrame(rows, OutputTables.segmentScores(settings).schema());
  }

  /** A segment (values per dimension, NULL = all) and period start (NULL = the window). */
  private record Key(List<String> segment, LocalDate period) {}

  private static Map<Key, ScoreState> aggregate(Dataset<Row> facts, Settings settings, List<String> dimensions,
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
    int sums = 0;
    for (String count : List.of("count(*)", "count(nps)", "count_if(nps >= 9)", "count_if(nps <= 6)", "count(csat)",
        "count_if(csat >= 4)")) {
      fine.add(count + " AS s" + sums);
      select.add("sum(s" + sums++ + ")");
    }
    fine.add("min(survey_date) AS first_date");
    select.add("min(first_date)");
    for (String score : meanScores) {
      String c = "CAST(" + Identifiers.quote(score) + " AS BIGINT)";
      for (String sum : List.of("count(" + c + ")", "sum(" + c + ")", "sum(" + c + " * " + c + ")")) {
        fine.add(sum + " AS s" + sums);
        select.add("sum(s" + sums++ + ")");
      }
    }
    List<String> weightedScores = OutputTables.weightedMeanScores(settings);
    for (String weighted : WeightedSums.aggregates(List.of(facts.columns()), weightedScores)) {
      fine.add(weighted + " AS s" + sums);
      select.add("sum(s" + sums++ + ")");
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
    Map<Key, ScoreState> states = new LinkedHashMap<>();
    for (Row row : aggregated) {
      List<String> segment = new ArrayList<>();
      for (int i = 0; i < d; i++) {
        segment.add(row.getByte(d + i) == 1 ? null : row.getString(i));
      }
      ScoreState s = new ScoreState(meanScores.size());
      int at = 2 * d;
      LocalDate period = row.getDate(at++).toLocalDate();
      s.responses = row.getLong(at++);
      s.npsN = row.getLong(at++);
      s.promoters = row.getLong(at++);
      s.detractors = row.getLong(at++);
      s.csatN = row.getLong(at++);
      s.csatTop2 = row.getLong(at++);
      s.firstDate = row.getDate(at++).toLocalDate();
      for (int m = 0; m < meanScores.size(); m++) {
        s.meanN[m] = row.getLong(at++);
        s.meanSum[m] = row.isNullAt(at) ? 0 : row.getLong(at);
        at++;
        s.meanSumSquares[m] = row.isNullAt(at) ? 0 : row.getLong(at);
        at++;
      }
      s.weighted.read(row, at, WeightedSums.FIRST_MEAN + weightedScores.size());
      states.put(new Key(segment, period), s);
    }
    return states;
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
    suppressed |= s.weighted.appendFigures(v, minN);
    v.set(suppressedAt, suppressed);
    return RowFactory.create(v.toArray());
  }

  /** 'overall', or the grouped dimensions in configured order joined by commas. */
  static String segmentKey(List<String> segment, List<String> dimensions) {
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
