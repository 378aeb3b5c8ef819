package io.satlake.drivers;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.satlake.config.Identifiers;
import io.satlake.metrics.Stats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Sufficient statistics of targets and drivers (n, Σx, Σxᵢxⱼ) per sample, from which means,
 * covariances and correlation matrices follow on the driver, in one aggregation for all samples.
 *
 * <p>A sample is a segment (overall, or one value of a level) and a target: the complete cases
 * with that target present. Each row is counted once, under its combination of level values, its
 * bootstrap group and its <em>target pattern</em> (the bit set of targets it carries), with absent
 * targets read as 0; a segment's sums are the sum over the combinations in it, and a target's sums
 * the sum over the patterns containing it. Rows share the driver cross-products, so the
 * aggregation has 1 + q + q(q+1)/2 sums for q = targets + drivers variables, not that many per
 * target (3 targets and 8 drivers: 1 + 11 + 66 = 78 sums and 16 min/max instead of 3 × 55), and
 * the number of patterns is small (usually one to four).
 *
 * <p>Sums are of raw values. With doubles this is exact enough for the scales here (a mean a few
 * standard deviations away from zero costs a digit or two of 16); it keeps the sums mergeable.
 */
public final class MomentMatrix {
  public static final String OVERALL = "overall";
  static final String PATTERN = "target_pattern";
  private static final String GROUP = "bootstrap_group";

  private final List<String> targets;
  private final List<String> drivers;
  private final List<String> levels;

  /**
   * @param targets target columns (complete cases per target), at most 30
   * @param drivers driver columns; a row counts only when all of them are present
   * @param levels segment level columns; every row also counts in the overall segment
   */
  public MomentMatrix(List<String> targets, List<String> drivers, List<String> levels) {
    if (targets.size() > 30) {
      throw new IllegalArgumentException("at most 30 targets (a pattern is an int bit set)");
    }
    this.targets = List.copyOf(targets);
    this.drivers = List.copyOf(drivers);
    this.levels = List.copyOf(levels);
  }

  /** One segment: its level ('overall' or a level column) and value ('' for overall). */
  public record Segment(String level, String value) implements java.io.Serializable {}

  public List<String> targets() {
    return targets;
  }

  public List<String> drivers() {
    return drivers;
  }

  /** Number of variables: targets, then drivers. */
  int variables() {
    return targets.size() + drivers.size();
  }

  /** Length of a packed moment vector: [n, Σv₀..Σv_q−1, Σvᵢvⱼ for i ≤ j (row-major)]. */
  public int packedSize() {
    int q = variables();
    return 1 + q + q * (q + 1) / 2;
  }

  private int crossIndex(int i, int j) {
    int q = variables();
    int lo = Math.min(i, j);
    int hi = Math.max(i, j);
    return 1 + q + lo * q - lo * (lo - 1) / 2 + (hi - lo);
  }

  /**
   * The complete cases, one row each: the level columns as l0.., the target pattern, the
   * variables as v0.. (targets first, absent ones 0), then the group.
   */
  private Dataset<Row> prepare(Dataset<Row> facts, Column eligible, Column group) {
    Column complete = eligible;
    Column pattern = lit(0);
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < levels.size(); i++) {
      columns.add(col(Identifiers.quote(levels.get(i))).cast(DataTypes.StringType).as("l" + i));
    }
    for (int t = 0; t < targets.size(); t++) {
      Column target = col(Identifiers.quote(targets.get(t)));
      pattern = pattern.plus(when(target.isNotNull(), lit(1 << t)).otherwise(lit(0)));
      columns.add(coalesce(target.cast(DataTypes.DoubleType), lit(0.0)).as(v(t)));
    }
    for (int i = 0; i < drivers.size(); i++) {
      Column driver = col(Identifiers.quote(drivers.get(i)));
      complete = complete.and(driver.isNotNull());
      columns.add(driver.cast(DataTypes.DoubleType).as(v(targets.size() + i)));
    }
    columns.add(levels.size(), pattern.as(PATTERN));
    columns.add(group.cast(DataTypes.IntegerType).as(GROUP));
    return facts.filter(complete).select(columns.toArray(Column[]::new)).filter(col(PATTERN).gt(0));
  }

  static String v(int i) {
    return "v" + i;
  }

  /**
   * The sums of every segment and pattern; the same split by group (index = group, null when the
   * group holds no row of the sample), which the bootstrap resamples; each driver's min and max
   * per segment.
   */
  public record Sums(Map<Segment, Map<Integer, double[]>> byPattern, Map<Segment, Map<Integer, double[][]>> byGroup,
      Map<Segment, double[][]> driverRange) {}

  /**
   * The one aggregation over the facts, at the finest grain: grouped by the combination of all
   * level values, the target pattern and the group of each row (an int column in [0, groups),
   * e.g. {@link PoissonBootstrap#group}), every complete case counted once. Overall and each
   * level's segments are then rolled up on the driver by adding the sums (and taking the min of
   * the mins, the max of the maxes), which is exact because they are mergeable. The result has
   * at most (combinations of level values) × patterns × groups rows, however many responses there
   * are (e.g. 4 tiers × 2 patterns × 512 groups = 4096 rows).
   */
  public Sums aggregate(Dataset<Row> facts, Column eligible, Column group, int groups) {
    Dataset<Row> prepared = prepare(facts, eligible, group);
    int q = variables();
    List<Column> keys = new ArrayList<>();
    for (int i = 0; i < levels.size(); i++) {
      keys.add(col("l" + i));
    }
    keys.add(col(PATTERN));
    keys.add(col(GROUP));
    List<Column> aggregates = new ArrayList<>();
    for (int i = 0; i < q; i++) {
      aggregates.add(sum(col(v(i))));
    }
    for (int i = 0; i < q; i++) {
      for (int j = i; j < q; j++) {
        aggregates.add(sum(col(v(i)).multiply(col(v(j)))));
      }
    }
    for (int i = targets.size(); i < q; i++) {
      aggregates.add(min(col(v(i))));
      aggregates.add(max(col(v(i))));
    }
    // Streamed, not collected: the driver holds the rolled-up sums (segments × patterns × groups
    // vectors), not every combination's.
    Iterator<Row> rows = prepared.groupBy(keys.toArray(Column[]::new))
        .agg(count(lit(1)), aggregates.toArray(Column[]::new))
        .toLocalIterator();
    Map<Segment, Map<Integer, double[][]>> byGroup = new LinkedHashMap<>();
    Map<Segment, double[][]> range = new LinkedHashMap<>();
    int packed = packedSize();
    int first = levels.size() + 2; // the count, then the sums and the drivers' min and max
    List<Segment> segments = new ArrayList<>(levels.size() + 1);
    while (rows.hasNext()) {
      Row r = rows.next();
      segments.clear();
      segments.add(new Segment(OVERALL, ""));
      for (int i = 0; i < levels.size(); i++) {
        segments.add(new Segment(levels.get(i), r.getString(i)));
      }
      int pattern = r.getInt(levels.size());
      int g = r.getInt(levels.size() + 1);
      for (Segment segment : segments) {
        double[][] perGroup = byGroup.computeIfAbsent(segment, s -> new HashMap<>())
            .computeIfAbsent(pattern, p -> new double[groups][]);
        if (perGroup[g] == null) {
          perGroup[g] = new double[packed];
        }
        double[] sums = perGroup[g];
        sums[0] += r.getLong(first);
        for (int k = 1; k < packed; k++) {
          sums[k] += r.getDouble(first + k);
        }
        double[][] minMax = range.computeIfAbsent(segment, s -> newRange(drivers.size()));
        for (int i = 0; i < drivers.size(); i++) {
          minMax[0][i] = Math.min(minMax[0][i], r.getDouble(first + packed + 2 * i));
          minMax[1][i] = Math.max(minMax[1][i], r.getDouble(first + packed + 2 * i + 1));
        }
      }
    }
    Map<Segment, Map<Integer, double[]>> byPattern = new LinkedHashMap<>();
    byGroup.forEach((segment, patterns) -> patterns.forEach((pattern, perGroup) -> {
      double[] total = new double[packed];
      for (double[] sums : perGroup) {
        if (sums != null) {
          addTo(total, 0, sums, 1);
        }
      }
      byPattern.computeIfAbsent(segment, s -> new HashMap<>()).put(pattern, total);
    }));
    return new Sums(byPattern, byGroup, range);
  }

  /** acc[offset..] += weight × sums. */
  static void addTo(double[] acc, int offset, double[] sums, double weight) {
    for (int k = 0; k < sums.length; k++) {
      acc[offset + k] += weight * sums[k];
    }
  }

  private static double[][] newRange(int drivers) {
    double[][] range = new double[2][drivers];
    java.util.Arrays.fill(range[0], Double.POSITIVE_INFINITY);
    java.util.Arrays.fill(range[1], Double.NEGATIVE_INFINITY);
    return range;
  }

  /**
   * The sums of one target's sample: the patterns carrying the target, added up, taking the
   * packed vector at offset in each pattern's array (replicate sums lie side by side).
   */
  double[] targetSums(Map<Integer, double[]> byPattern, int target, int offset) {
    double[] total = new double[packedSize()];
    byPattern.forEach((pattern, sums) -> {
      if ((pattern & (1 << target)) != 0) {
        for (int k = 0; k < total.length; k++) {
          total[k] += sums[offset + k];
        }
      }
    });
    return total;
  }

  /** Moments of [target, drivers...] from a target's packed sums (see {@link #targetSums}). */
  Moments moments(double[] sums, int target) {
    int p = drivers.size();
    int[] index = new int[p + 1];
    index[0] = target;
    for (int i = 0; i < p; i++) {
      index[i + 1] = targets.size() + i;
    }
    double n = sums[0];
    double[] mean = new double[p + 1];
    double[][] covariance = new double[p + 1][p + 1];
    for (int a = 0; a <= p; a++) {
      mean[a] = n == 0 ? Double.NaN : sums[1 + index[a]] / n;
    }
    for (int a = 0; a <= p; a++) {
      for (int b = 0; b <= p; b++) {
        // A variance by the means' rule, whose bound fits these sums: they are raw, and a bootstrap
        // replicate's Σ_g w·S_g is in effect a sum over its n = Σ_g w·n_g rows (a row counted w
        // times), so the bound holds with the replicate's n.
        double cross = sums[crossIndex(index[a], index[b])];
        covariance[a][b] = a == b ? Stats.centredSumOfSquares((long) n, sums[1 + index[a]], cross) / n
            : cross / n - mean[a] * mean[b];
      }
    }
    return new Moments(n, mean, covariance);
  }

  /**
   * Moments of one sample: variable 0 is the target, 1..p the drivers; population covariance
   * (divisor n), which correlations do not depend on. A variance within the sums' rounding is
   * exactly 0 ({@link Stats#centredSumOfSquares}).
   */
  public record Moments(double n, double[] mean, double[][] covariance) {
    /** True when a variable does not vary in the sample (its correlations are undefined). */
    public boolean hasConstant() {
      for (int a = 0; a < mean.length; a++) {
        if (!(covariance[a][a] > 0)) {
          return true;
        }
      }
      return false;
    }

    /** The correlation matrix (target first), assuming no constant variable. */
    public double[][] correlation() {
      int k = mean.length;
      double[][] r = new double[k][k];
      for (int a = 0; a < k; a++) {
        for (int b = 0; b < k; b++) {
          r[a][b] = a == b ? 1.0 : covariance[a][b] / Math.sqrt(covariance[a][a] * covariance[b][b]);
        }
      }
      return r;
    }
  }
}
