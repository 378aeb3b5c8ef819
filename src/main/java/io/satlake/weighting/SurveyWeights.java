package io.satlake.weighting;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.enrich.CrmEnricher;
import io.satlake.io.OutputTables;
import io.satlake.metrics.Stats;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Survey weights: a {@code weight} column on the facts, raked to the CRM population's margins on
 * the configured dimensions, and the survey_weights table that reports the raking.
 *
 * <p>Only the CRM-matched responses are raked: an unmatched response has no CRM categories
 * (they read 'unknown'), so it keeps weight 1, the mean weight of the raked ones. The raking
 * runs on respondent counts per cell (one small aggregation) and its weights come back to the
 * facts by a broadcast join on the cell. With no dimensions configured every weight is 1.
 */
public final class SurveyWeights {
  public static final String WEIGHT = "weight";
  private static final String CELL_PREFIX = "weighting_cell_";
  private static final String CELL_WEIGHT = "weighting_cell_weight";

  private SurveyWeights() {}

  /** Facts with a {@code weight} column, and the run's survey_weights rows. */
  public record Weighted(Dataset<Row> facts, Dataset<Row> table) {}

  /**
   * @param facts the window's accepted, enriched responses (with {@code crm_matched})
   * @param crm the accepted CRM rows: the population
   * @param crmSegmentColumns the segment dimensions read from the CRM (the only ones it has margins for)
   */
  public static Weighted compute(Dataset<Row> facts, Dataset<Row> crm, Settings settings,
      List<String> crmSegmentColumns, LocalDate runDate, String runId) {
    Settings.Weighting weighting = settings.weighting();
    SparkSession spark = facts.sparkSession();
    Dataset<Row> noRows = spark.createDataFrame(List.of(), OutputTables.WEIGHTS.schema());
    if (!weighting.enabled()) {
      return new Weighted(facts.withColumn(WEIGHT, lit(1.0)), noRows);
    }
    List<String> dimensions = weighting.dimensions();
    for (String d : dimensions) {
      if (!crmSegmentColumns.contains(d)) {
        throw SatlakeException.usage("satlake.weighting.dimensions: '" + d + "' is read from the responses, not the"
            + " CRM, so the customer base has no margins for it");
      }
    }
    // Missing CRM values read 'unknown' in the facts (CrmEnricher), so they do here too.
    Column[] populationCells = dimensions.stream().map(d -> coalesce(col(d), lit(CrmEnricher.UNKNOWN)).as(d))
        .toArray(Column[]::new);
    List<Row> population = crm.groupBy(populationCells).count().collectAsList();
    // The one extra pass over the responses this feature needs: respondents per cell (a few
    // rows), split by CRM match so the unmatched ones are counted in the same pass.
    List<Column> sampleKeys = new ArrayList<>();
    sampleKeys.add(col(CrmEnricher.MATCHED));
    dimensions.forEach(d -> sampleKeys.add(col(d)));
    List<Row> sample = facts.groupBy(sampleKeys.toArray(Column[]::new)).count().collectAsList();

    List<Raking.Cell> cells = new ArrayList<>();
    long unmatched = 0;
    for (Row r : sample) {
      if (r.getBoolean(0)) {
        List<String> categories = new ArrayList<>();
        for (int d = 0; d < dimensions.size(); d++) {
          categories.add(r.getString(d + 1));
        }
        cells.add(new Raking.Cell(categories, r.getLong(dimensions.size() + 1)));
      } else {
        unmatched += r.getLong(dimensions.size() + 1);
      }
    }
    if (cells.isEmpty()) {
      return new Weighted(facts.withColumn(WEIGHT, lit(1.0)), noRows); // nothing to rake (e.g. an empty window)
    }
    List<Map<String, Long>> populationCounts = marginals(dimensions.size(), population.stream()
        .map(r -> new Margined(categoriesOf(r, dimensions.size()), r.getLong(dimensions.size()))).toList());
    List<Map<String, Long>> sampleCounts = marginals(dimensions.size(), cells.stream()
        .map(c -> new Margined(c.categories(), c.respondents())).toList());
    List<Map<String, Double>> populationShares = populationCounts.stream().map(SurveyWeights::shares).toList();
    Raking.Result raked = Raking.rake(dimensions, cells, populationShares, weighting);

    Dataset<Row> weighted = facts.join(broadcast(cellTable(spark, dimensions, cells, raked.weights())),
            cellMatch(dimensions), "left")
        .select(withWeight(facts));
    Dataset<Row> table = spark.createDataFrame(tableRows(dimensions, cells, raked, populationCounts, sampleCounts,
        unmatched, runDate, runId), OutputTables.WEIGHTS.schema());
    return new Weighted(weighted, table);
  }

  private record Margined(List<String> categories, long count) {}

  private static List<String> categoriesOf(Row row, int dimensions) {
    List<String> categories = new ArrayList<>();
    for (int d = 0; d < dimensions; d++) {
      categories.add(row.getString(d));
    }
    return categories;
  }

  /** Counts per category of each dimension, categories in name order. */
  private static List<Map<String, Long>> marginals(int dimensions, List<Margined> cells) {
    List<Map<String, Long>> margins = new ArrayList<>();
    for (int d = 0; d < dimensions; d++) {
      Map<String, Long> counts = new TreeMap<>();
      for (Margined c : cells) {
        counts.merge(c.categories().get(d), c.count(), Long::sum);
      }
      margins.add(counts);
    }
    return margins;
  }

  private static Map<String, Double> shares(Map<String, Long> counts) {
    double total = counts.values().stream().mapToLong(Long::longValue).sum();
    Map<String, Double> shares = new LinkedHashMap<>();
    counts.forEach((category, n) -> shares.put(category, n / total));
    return shares;
  }

  private static Dataset<Row> cellTable(SparkSession spark, List<String> dimensions, List<Raking.Cell> cells,
      double[] weights) {
    StructType schema = new StructType();
    for (String d : dimensions) {
      schema = schema.add(CELL_PREFIX + d, DataTypes.StringType);
    }
    schema = schema.add(CELL_WEIGHT, DataTypes.DoubleType);
    List<Row> rows = new ArrayList<>();
    for (int c = 0; c < cells.size(); c++) {
      List<Object> values = new ArrayList<>(cells.get(c).categories());
      values.add(weights[c]);
      rows.add(RowFactory.create(values.toArray()));
    }
    return spark.createDataFrame(rows, schema);
  }

  /** Matched responses find their cell; unmatched ones (all 'unknown') must not take a cell's weight. */
  private static Column cellMatch(List<String> dimensions) {
    Column match = col(CrmEnricher.MATCHED);
    for (String d : dimensions) {
      match = match.and(col(d).equalTo(col(CELL_PREFIX + d)));
    }
    return match;
  }

  private static Column[] withWeight(Dataset<Row> facts) {
    List<Column> columns = new ArrayList<>();
    for (String c : facts.columns()) {
      columns.add(facts.col(c));
    }
    columns.add(when(col(CrmEnricher.MATCHED), col(CELL_WEIGHT)).otherwise(1.0).as(WEIGHT));
    return columns.toArray(Column[]::new);
  }

  private static List<Row> tableRows(List<String> dimensions, List<Raking.Cell> cells, Raking.Result raked,
      List<Map<String, Long>> populationCounts, List<Map<String, Long>> sampleCounts, long unmatched,
      LocalDate runDate, String runId) {
    double[] w = raked.weights();
    long n = 0;
    double sumW = 0;
    double sumSquaredW = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < cells.size(); c++) {
      long respondents = cells.get(c).respondents();
      n += respondents;
      sumW += respondents * w[c];
      sumSquaredW += respondents * w[c] * w[c];
      min = Math.min(min, w[c]);
      max = Math.max(max, w[c]);
    }
    double nEffective = Stats.kishEffectiveN(sumW, sumSquaredW);
    List<Row> rows = new ArrayList<>();
    for (int d = 0; d < dimensions.size(); d++) {
      Map<String, Long> population = populationCounts.get(d);
      long populationTotal = population.values().stream().mapToLong(Long::longValue).sum();
      for (Map.Entry<String, Long> e : population.entrySet()) {
        long sampled = sampleCounts.get(d).getOrDefault(e.getKey(), 0L);
        rows.add(RowFactory.create(Date.valueOf(runDate), runId, dimensions.get(d), e.getKey(), e.getValue(),
            (double) e.getValue() / populationTotal, sampled, (double) sampled / n,
            raked.weightedShares().get(d).get(e.getKey()), raked.iterations(), raked.maxError(), n, unmatched,
            nEffective, n / nEffective, min, max));
      }
    }
    return rows;
  }
}
