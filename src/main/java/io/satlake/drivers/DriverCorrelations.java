package io.satlake.drivers;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.approx_count_distinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;

import io.satlake.config.Identifiers;
import io.satlake.config.Settings;
import io.satlake.enrich.CrmEnricher;
import io.satlake.io.OutputTables;
import io.satlake.metrics.Stats;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;

/**
 * driver_correlations: Pearson and Spearman of each target with each driver, overall and per
 * value of each correlation level.
 *
 * <p>The sample of a target is its complete cases: CRM-matched responses carrying the target and
 * every driver, so the correlations of a target form one consistent matrix (the one key-driver
 * analysis decomposes) and agree with MLlib's {@code Correlation} on the same rows.
 *
 * <p>One pass over the facts ({@link CorrelationSums}) accumulates, per segment and target,
 * shifted sums for Pearson and the joint value counts of target × driver. Average ranks (ties
 * share their mean rank) follow exactly from those counts, so Spearman needs no sort: every
 * target and dimension is a small integer scale. A behaviour driver with at most
 * {@code correlations.rank-bins} distinct values is counted per exact value, so its ranks are
 * exact too; one with more is counted per equal-frequency bin (its ranks are then those of the
 * binned driver, flagged in {@code rank_bins}).
 */
public final class DriverCorrelations {
  public static final String OVERALL = "overall";
  /** Relative standard deviation of the distinct-count sketch; a driver within 4 of them of rank-bins is counted exactly. */
  private static final double APPROX_DISTINCT_RSD = 0.02;

  private DriverCorrelations() {}

  /** As {@link #compute(Dataset, Dataset, Settings, LocalDate, String)} with bins from the facts. */
  public static Dataset<Row> compute(Dataset<Row> facts, Settings settings, LocalDate runDate, String runId) {
    return compute(facts, facts, settings, runDate, runId);
  }

  /**
   * @param binSource rows holding the behaviour driver columns whose distinct values (or
   *     quantiles) define the rank bins, e.g. the accepted CRM rows: every behaviour value of the
   *     facts comes from there, and it is ten times smaller
   */
  public static Dataset<Row> compute(Dataset<Row> facts, Dataset<Row> binSource, Settings settings,
      LocalDate runDate, String runId) {
    List<String> drivers = settings.driverColumns();
    List<String> levels = settings.segments().correlationLevels();
    CorrelationSums.Layout layout = layout(binSource, settings);

    Column complete = col(CrmEnricher.MATCHED);
    for (String d : drivers) {
      complete = complete.and(col(Identifiers.quote(d)).isNotNull());
    }
    Column anyTarget = lit(false);
    List<Column> columns = new ArrayList<>();
    for (String level : levels) {
      columns.add(col(Identifiers.quote(level)).cast(DataTypes.StringType));
    }
    for (String t : Settings.TARGETS) {
      anyTarget = anyTarget.or(col(t).isNotNull());
      columns.add(col(t).cast(DataTypes.IntegerType));
    }
    for (String d : drivers) {
      columns.add(col(Identifiers.quote(d)).cast(DataTypes.DoubleType));
    }
    Dataset<Row> completeCases = facts.filter(complete.and(anyTarget)).select(columns.toArray(Column[]::new));
    Map<CorrelationSums.Segment, CorrelationSums.Sums> sums = CorrelationSums.aggregate(completeCases, layout);

    List<Row> rows = new ArrayList<>();
    sums.forEach((segment, s) -> {
      for (int t = 0; t < Settings.TARGETS.size(); t++) {
        long n = s.n[t];
        if (n == 0) {
          continue;
        }
        for (int d = 0; d < drivers.size(); d++) {
          rows.add(outputRow(segment, levels, Settings.TARGETS.get(t), n, drivers.get(d), "pearson", s.pearson(t, d),
              null, settings, runDate, runId));
          CorrelationSums.Spearman spearman = s.spearman(t, d);
          // the bins this sample falls in: the fewer, the coarser its ranks (a narrow segment holds few)
          Integer bins = layout.binned()[d] ? spearman.driverLevelsHeld() : null;
          rows.add(outputRow(segment, levels, Settings.TARGETS.get(t), n, drivers.get(d), "spearman",
              spearman.rho(), bins, settings, runDate, runId));
        }
      }
    });
    return facts.sparkSession().createDataFrame(rows, OutputTables.driverCorrelations(settings).schema());
  }

  /** Scale of each target and driver: value → index, plus the shift that keeps sums well conditioned. */
  static CorrelationSums.Layout layout(Dataset<Row> binSource, Settings settings) {
    int rankBins = settings.rankBins();
    List<String> drivers = settings.driverColumns();
    int k = drivers.size();
    double[][] cuts = new double[k][];
    boolean[] binned = new boolean[k];
    int[] driverLevels = new int[k];
    double[] driverShift = new double[k];
    List<String> behaviour = settings.behaviourDrivers();
    if (!behaviour.isEmpty()) {
      // One aggregation over the bin source: approximate distinct count and quantiles of each
      // driver. Only a driver that may have at most rank-bins values has them listed (and counted
      // exactly): an exact distinct count of every driver cost more than the rest of the stage.
      double[] probabilities = new double[rankBins - 1];
      for (int i = 1; i < rankBins; i++) {
        probabilities[i - 1] = i / (double) rankBins;
      }
      List<Column> aggregates = new ArrayList<>();
      for (String b : behaviour) {
        Column value = col(Identifiers.quote(b)).cast(DataTypes.DoubleType);
        aggregates.add(approx_count_distinct(value, APPROX_DISTINCT_RSD));
        aggregates.add(percentile_approx(value, lit(probabilities), lit(10 * rankBins)));
      }
      Row stats = binSource.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new))
          .head();
      for (int i = 0; i < behaviour.size(); i++) {
        long approxDistinct = stats.getLong(2 * i);
        double[] quantiles = stats.isNullAt(2 * i + 1) ? new double[0]
            : stats.<Double>getList(2 * i + 1).stream().mapToDouble(Double::doubleValue).toArray();
        // at most rank-bins + 1 values are listed: one more than rank-bins means "bin it"
        double[] values = approxDistinct > rankBins * (1 + 4 * APPROX_DISTINCT_RSD) ? null
            : binSource.select(col(Identifiers.quote(behaviour.get(i))).cast(DataTypes.DoubleType))
                .na().drop().distinct().limit(rankBins + 1).collectAsList().stream()
                .mapToDouble(r -> r.getDouble(0)).sorted().toArray();
        if (values != null && values.length <= rankBins) {
          cuts[i] = values.length == 0 ? new double[0] : Arrays.copyOfRange(values, 1, values.length);
        } else {
          cuts[i] = Arrays.stream(quantiles).distinct().sorted().toArray();
          binned[i] = true;
        }
        driverLevels[i] = cuts[i].length + 1;
        driverShift[i] = quantiles.length == 0 ? 0 : quantiles[quantiles.length / 2];
      }
    }
    for (int i = behaviour.size(); i < k; i++) { // dimension ratings 1..7
      cuts[i] = new double[] {2, 3, 4, 5, 6, 7};
      driverLevels[i] = 7;
      driverShift[i] = 4;
    }
    int[] targetLow = {0, 1, 1};
    int[] targetLevels = {11, 5, 7};
    return new CorrelationSums.Layout(settings.segments().correlationLevels().size(), targetLow, targetLevels,
        cuts, driverLevels, driverShift, binned);
  }

  private static Row outputRow(CorrelationSums.Segment segment, List<String> levels, String target, long n,
      String driver, String method, double r, Integer rankBins, Settings settings, LocalDate runDate, String runId) {
    List<Object> v = new ArrayList<>();
    v.add(Date.valueOf(runDate));
    v.add(runId);
    v.add(segment.level() < 0 ? OVERALL : levels.get(segment.level()));
    for (int l = 0; l < levels.size(); l++) {
      v.add(l == segment.level() ? segment.value() : null);
    }
    v.add(target);
    v.add(driver);
    v.add(method);
    v.add(n);
    boolean suppressed = n < settings.minN();
    if (suppressed || Double.isNaN(r)) {
      v.addAll(Arrays.asList(null, null, null, null));
    } else {
      Stats.Correlation e = Stats.correlation(r, n);
      v.addAll(Arrays.asList(r, nanToNull(e.pValue()), nanToNull(e.low()), nanToNull(e.high())));
    }
    v.add(suppressed);
    v.add(rankBins);
    return RowFactory.create(v.toArray());
  }

  private static Double nanToNull(double value) {
    return Double.isNaN(value) ? null : value;
  }
}
