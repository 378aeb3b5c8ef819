package io.satlake.drivers;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import io.satlake.config.Identifiers;
import io.satlake.drivers.MomentMatrix.Segment;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Poisson bootstrap of the moment sums: replicate b weights each complete case by an independent
 * Poisson(1) count, which for large n is the multinomial resampling of the classic bootstrap, but
 * needs no sample size up front and lets every replicate be summed in the same single pass.
 *
 * <p>The weight of a response in replicate b is a pure function of (xxhash64(response_id, seed),
 * b): SplitMix64's finaliser of the hash advanced b + 1 steps, inverted through the Poisson(1)
 * CDF. A rerun therefore reproduces the replicates exactly, whatever the partitioning.
 *
 * <p>Each partition keeps one primitive array per segment and target pattern holding all
 * replicates' packed moment vectors side by side; a row's products are formed once and added
 * with each replicate's weight (zero weights, 37% of them, skipped). The arrays are merged by
 * key; nothing but these sums reaches the driver.
 */
final class PoissonBootstrap {
  private static final String HASH = "bootstrap_hash";
  /** P(K ≤ k) for K ~ Poisson(1), k = 0..; the tail beyond the table is below 1e-16. */
  private static final double[] POISSON_CDF = poissonCdf();

  private PoissonBootstrap() {}

  /** Replicate sums per segment and pattern: {@code replicates} packed vectors side by side. */
  static Map<Segment, Map<Integer, double[]>> sums(MomentMatrix moments, Dataset<Row> facts, Column eligible,
      String idColumn, int replicates, long seed) {
    Dataset<Row> prepared = moments.prepare(facts, eligible,
        xxhash64(col(Identifiers.quote(idColumn)), lit(seed)).as(HASH));
    ReplicateSums partitionSums = new ReplicateSums(moments.levels().toArray(String[]::new), moments.variables(),
        moments.packedSize(), replicates);
    List<Tuple2<Key, double[]>> merged = prepared.javaRDD()
        .mapPartitionsToPair(partitionSums)
        .reduceByKey(PoissonBootstrap::add)
        .collect();
    Map<Segment, Map<Integer, double[]>> result = new HashMap<>();
    for (Tuple2<Key, double[]> e : merged) {
      result.computeIfAbsent(e._1().segment(), s -> new HashMap<>()).put(e._1().pattern(), e._2());
    }
    return result;
  }

  private static double[] add(double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
    return a;
  }

  record Key(Segment segment, int pattern) implements Serializable {}

  /** Weight of replicate b for a row hash: a Poisson(1) count, deterministic in (hash, b). */
  static int weight(long hash, int replicate) {
    long z = hash + (replicate + 1L) * 0x9E3779B97F4A7C15L; // SplitMix64
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    double u = (z >>> 11) * 0x1.0p-53;
    int k = 0;
    while (k < POISSON_CDF.length - 1 && u >= POISSON_CDF[k]) {
      k++;
    }
    return k;
  }

  private static double[] poissonCdf() {
    double[] cdf = new double[20];
    double term = Math.exp(-1);
    double total = 0;
    for (int k = 0; k < cdf.length; k++) {
      total += term;
      cdf[k] = total;
      term /= k + 1;
    }
    cdf[cdf.length - 1] = 1.0;
    return cdf;
  }

  /** The per-partition accumulation; rows are laid out as {@link MomentMatrix#prepare} says. */
  private static final class ReplicateSums implements PairFlatMapFunction<Iterator<Row>, Key, double[]> {
    private final String[] levels;
    private final int variables;
    private final int packed;
    private final int replicates;

    ReplicateSums(String[] levels, int variables, int packed, int replicates) {
      this.levels = levels;
      this.variables = variables;
      this.packed = packed;
      this.replicates = replicates;
    }

    @Override
    public Iterator<Tuple2<Key, double[]>> call(Iterator<Row> rows) {
      Map<Key, double[]> sums = new HashMap<>();
      double[] values = new double[variables];
      double[] products = new double[packed];
      int[] weights = new int[replicates];
      List<double[]> targets = new ArrayList<>(levels.length + 1);
      while (rows.hasNext()) {
        Row row = rows.next();
        int pattern = row.getInt(levels.length);
        for (int i = 0; i < variables; i++) {
          values[i] = row.getDouble(levels.length + 1 + i);
        }
        long hash = row.getLong(levels.length + 1 + variables);
        java.util.Arrays.fill(products, 0.0);
        MomentMatrix.accumulate(values, 1.0, products, 0);
        for (int b = 0; b < replicates; b++) {
          weights[b] = weight(hash, b);
        }
        targets.clear();
        targets.add(sums.computeIfAbsent(new Key(new Segment(MomentMatrix.OVERALL, ""), pattern),
            k -> new double[replicates * packed]));
        for (int l = 0; l < levels.length; l++) {
          Segment segment = new Segment(levels[l], row.isNullAt(l) ? null : row.getString(l));
          targets.add(sums.computeIfAbsent(new Key(segment, pattern), k -> new double[replicates * packed]));
        }
        for (double[] acc : targets) {
          for (int b = 0; b < replicates; b++) {
            int w = weights[b];
            if (w == 0) {
              continue;
            }
            int offset = b * packed;
            for (int k = 0; k < packed; k++) {
              acc[offset + k] += w * products[k];
            }
          }
        }
      }
      List<Tuple2<Key, double[]>> out = new ArrayList<>(sums.size());
      sums.forEach((key, acc) -> out.add(new Tuple2<>(key, acc)));
      return out.iterator();
    }
  }
}
