package io.satlake.drivers;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.corr;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;

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
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * driver_correlations: Pearson and Spearman of each target with each driver, overall and per
 * value of each correlation level.
 *
 * <p>The sample of a target is its complete cases: CRM-matched responses carrying the target and
 * every driver, so the correlations of a target form one consistent matrix (the one key-driver
 * analysis decomposes) and agree with MLlib's {@code Correlation} on the same rows. Each sample
 * row is expanded once per (target, level); average ranks come from value counts per variable
 * (ties share their mean rank), and one aggregation yields every coefficient.
 */
public final class DriverCorrelations {
  public static final String OVERALL = "overall";
  private static final String TARGET = "target";
  private static final String LEVEL = "level";
  private static final String SEGMENT = "segment_value";
  private static final String Y = "y";

  private DriverCorrelations() {}

  public static Dataset<Row> compute(Dataset<Row> facts, Settings settings, LocalDate runDate, String runId) {
    List<String> drivers = settings.driverColumns();
    List<String> levels = settings.segments().correlationLevels();
    Dataset<Row> expanded = expand(facts, drivers, levels);
    List<String> variables = new ArrayList<>();
    variables.add(Y);
    for (int i = 0; i < drivers.size(); i++) {
      variables.add(x(i));
    }
    Dataset<Row> ranks = averageRanks(expanded, variables);
    Dataset<Row> ranked = expanded;
    for (String variable : variables) {
      ranked = ranked.join(ranks.filter(col("variable").equalTo(variable))
              .select(col(TARGET), col(LEVEL), col(SEGMENT), col("value").as(variable), col("avg_rank").as(rank(variable))),
          scala.collection.JavaConverters.asScalaBuffer(List.of(TARGET, LEVEL, SEGMENT, variable)).toSeq());
    }
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(count(lit(1)).as("n"));
    for (int i = 0; i < drivers.size(); i++) {
      aggregates.add(corr(col(Y), col(x(i))).as("pearson_" + i));
      aggregates.add(corr(col(rank(Y)), col(rank(x(i)))).as("spearman_" + i));
    }
    List<Row> coefficients = ranked.groupBy(TARGET, LEVEL, SEGMENT)
        .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new))
        .collectAsList(); // one row per target × segment: small

    List<Row> rows = new ArrayList<>();
    for (Row c : coefficients) {
      for (int i = 0; i < drivers.size(); i++) {
        for (String method : List.of("pearson", "spearman")) {
          rows.add(outputRow(c, drivers.get(i), method, c.getAs(method + "_" + i), settings, runDate, runId));
        }
      }
    }
    return facts.sparkSession().createDataFrame(rows, OutputTables.driverCorrelations(settings).schema());
  }

  /** One row per complete case × target present × level, with the drivers renamed x0..xk. */
  static Dataset<Row> expand(Dataset<Row> facts, List<String> drivers, List<String> levels) {
    Column complete = col(CrmEnricher.MATCHED);
    List<Column> xs = new ArrayList<>();
    for (int i = 0; i < drivers.size(); i++) {
      complete = complete.and(col(Identifiers.quote(drivers.get(i))).isNotNull());
      xs.add(col(Identifiers.quote(drivers.get(i))).cast(DataTypes.DoubleType).as(x(i)));
    }
    List<Column> targets = new ArrayList<>();
    for (String t : Settings.TARGETS) {
      targets.add(struct(lit(t).as(TARGET), col(t).cast(DataTypes.DoubleType).as(Y)));
    }
    List<Column> segments = new ArrayList<>();
    segments.add(struct(lit(OVERALL).as(LEVEL), lit("").as(SEGMENT)));
    for (String level : levels) {
      segments.add(struct(lit(level).as(LEVEL), col(Identifiers.quote(level)).as(SEGMENT)));
    }
    List<Column> xNames = new ArrayList<>();
    for (int i = 0; i < drivers.size(); i++) {
      xNames.add(col(x(i)));
    }
    // Spark allows one generator per select: targets first, then levels.
    return facts.filter(complete)
        .select(with(xs, array(targets.toArray(Column[]::new)).as("targets"),
            array(segments.toArray(Column[]::new)).as("segments")))
        .select(with(xNames, explode(col("targets")).as("t"), col("segments")))
        .filter(col("t." + Y).isNotNull())
        .select(with(xNames, explode(col("segments")).as("s"), col("t")))
        .select(with(xNames, col("t." + TARGET).as(TARGET), col("t." + Y).as(Y), col("s." + LEVEL).as(LEVEL),
            col("s." + SEGMENT).as(SEGMENT)));
  }

  private static Column[] with(List<Column> tail, Column... head) {
    List<Column> all = new ArrayList<>(Arrays.asList(head));
    all.addAll(tail);
    return all.toArray(Column[]::new);
  }

  /**
   * Average rank of every value of every variable within its (target, level, segment) sample:
   * (values below) + (ties + 1) / 2, from one count per distinct value.
   */
  static Dataset<Row> averageRanks(Dataset<Row> expanded, List<String> variables) {
    List<Column> pairs = new ArrayList<>();
    for (String v : variables) {
      pairs.add(struct(lit(v).as("variable"), col(v).as("value")));
    }
    Dataset<Row> counts = expanded
        .select(col(TARGET), col(LEVEL), col(SEGMENT), explode(array(pairs.toArray(Column[]::new))).as("p"))
        .groupBy(col(TARGET), col(LEVEL), col(SEGMENT), col("p.variable").as("variable"), col("p.value").as("value"))
        .agg(count(lit(1)).as("ties"));
    Column atOrBelow = sum(col("ties")).over(Window.partitionBy(TARGET, LEVEL, SEGMENT, "variable")
        .orderBy("value").rowsBetween(Window.unboundedPreceding(), Window.currentRow()));
    return counts.withColumn("avg_rank", atOrBelow.minus(col("ties").minus(1).divide(2.0)));
  }

  private static Row outputRow(Row c, String driver, String method, Double r, Settings settings, LocalDate runDate,
      String runId) {
    String level = c.getAs(LEVEL);
    long n = c.getAs("n");
    List<Object> v = new ArrayList<>();
    v.add(Date.valueOf(runDate));
    v.add(runId);
    v.add(level);
    for (String l : settings.segments().correlationLevels()) {
      v.add(l.equals(level) ? c.getAs(SEGMENT) : null);
    }
    v.add(c.getAs(TARGET));
    v.add(driver);
    v.add(method);
    v.add(n);
    boolean suppressed = n < settings.minN();
    if (suppressed || r == null || r.isNaN()) {
      v.addAll(Arrays.asList(null, null, null, null));
    } else {
      Stats.Correlation e = Stats.correlation(r, n);
      v.addAll(Arrays.asList(r, nanToNull(e.pValue()), nanToNull(e.low()), nanToNull(e.high())));
    }
    v.add(suppressed);
    return RowFactory.create(v.toArray());
  }

  private static String x(int i) {
    return "x" + i;
  }

  private static String rank(String variable) {
    return "rank_" + variable;
  }

  private static Double nanToNull(double value) {
    return Double.isNaN(value) ? null : value;
  }
}
