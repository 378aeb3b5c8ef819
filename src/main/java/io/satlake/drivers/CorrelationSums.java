package io.satlake.drivers;

import io.satlake.metrics.Stats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The sufficient statistics of every correlation, from one pass over the complete cases: per
 * segment (overall, and each value of each correlation level) and target, the count, shifted
 * sums for Pearson, and the joint counts of target value × driver value (or bin) from which
 * average ranks, and so Spearman, follow exactly.
 *
 * <p>This is the job's hottest loop, so it runs over Spark's internal rows with primitive
 * arrays (a partition's accumulators are a few MB at most), and the per-partition results are
 * merged on the executors before the small total reaches the driver.
 */
final class CorrelationSums {
  private CorrelationSums() {}

  /**
   * How values map to indices: a target's index is value − low; a driver's is the number of
   * its cut points ≤ the value. Shifts are subtracted before summing (sums of squares of raw
   * values like annual spend would otherwise lose digits in the difference of large terms).
   */
  record Layout(int levels, int[] targetLow, int[] targetLevels, double[][] driverCuts, int[] driverLevels,
      double[] driverShift, boolean[] binned) implements Serializable {
    int targets() {
      return targetLow.length;
    }

    int drivers() {
      return driverCuts.length;
    }

    int driverIndex(int d, double value) {
      double[] cuts = driverCuts[d];
      int at = Arrays.binarySearch(cuts, value);
      // an exact hit on cut i (or its last duplicate) means i + 1 cuts are <= value
      if (at >= 0) {
        while (at + 1 < cuts.length && cuts[at + 1] == value) {
          at++;
        }
        return at + 1;
      }
      return -at - 1;
    }

    /**
     * Where target t's value a and driver d's index b are counted in one segment's count array:
     * driver-major, then the driver's index, then every target's levels side by side
     * ({@code driverOffset[d] + b × targetCells + targetOffset[t] + a}). A row's increments for
     * one driver then fall in one or two cache lines for all its targets: the counts of the
     * binned drivers (rank-bins indices each, 1,024 by default) do not fit the caches, and a
     * target-major layout put each of a row's targets in a line of its own.
     */
    int[] targetOffsets() {
      int[] offsets = new int[targets()];
      for (int t = 1; t < targets(); t++) {
        offsets[t] = offsets[t - 1] + targetLevels[t - 1];
      }
      return offsets;
    }

    /** The number of target levels, summed over the targets: the cells of one driver index. */
    int targetCells() {
      return Arrays.stream(targetLevels).sum();
    }

    /** See {@link #targetOffsets()}. */
    int[] driverOffsets() {
      int[] offsets = new int[drivers()];
      for (int d = 1; d < drivers(); d++) {
        offsets[d] = offsets[d - 1] + driverLevels[d - 1] * targetCells();
      }
      return offsets;
    }

    int jointSize() {
      return Arrays.stream(driverLevels).sum() * targetCells();
    }
  }

  /** ρ, NaN when a rank variance is zero, and the number of driver levels holding a complete case. */
  record Spearman(double rho, int driverLevelsHeld) {}

  /** level −1 is overall (value ""); otherwise the index of a correlation level and its value. */
  record Segment(int level, String value) implements Serializable {}

  /** One segment's statistics. Pearson sums are of shifted values; y is the target, x a driver. */
  static final class Sums implements Serializable {
    private final Layout layout;
    final long[] n;
    final double[] sy;
    final double[] syy;
    final double[][] sx;
    final double[][] sxx;
    final double[][] sxy;
    final long[] joint;

    Sums(Layout layout) {
      this.layout = layout;
      int t = layout.targets();
      int d = layout.drivers();
      n = new long[t];
      sy = new double[t];
      syy = new double[t];
      sx = new double[t][d];
      sxx = new double[t][d];
      sxy = new double[t][d];
      joint = new long[layout.jointSize()];
    }

    void merge(Sums o) {
      for (int t = 0; t < n.length; t++) {
        n[t] += o.n[t];
        sy[t] += o.sy[t];
        syy[t] += o.syy[t];
        for (int d = 0; d < sx[t].length; d++) {
          sx[t][d] += o.sx[t][d];
          sxx[t][d] += o.sxx[t][d];
          sxy[t][d] += o.sxy[t][d];
        }
      }
      for (int i = 0; i < joint.length; i++) {
        joint[i] += o.joint[i];
      }
    }

    /**
     * Pearson r of target t and driver d; NaN when a variance is zero. A driver constant within
     * the segment but not equal to its shift does not cancel exactly in the shifted sums, so zero
     * means within their rounding ({@link Stats#centredSumOfSquares}).
     */
    double pearson(int t, int d) {
      double cov = sxy[t][d] - sx[t][d] * sy[t] / n[t];
      double varX = Stats.centredSumOfSquares(n[t], sx[t][d], sxx[t][d]);
      double varY = Stats.centredSumOfSquares(n[t], sy[t], syy[t]);
      return varX == 0 || varY == 0 ? Double.NaN : clamp(cov / Math.sqrt(varX * varY));
    }

    /**
     * Spearman ρ of target t and driver d, Pearson of their average ranks from the joint counts,
     * and how many of the driver's levels (values, or bins of a binned driver) the sample holds.
     */
    Spearman spearman(int t, int d) {
      int rows = layout.targetLevels()[t];
      int cols = layout.driverLevels()[d];
      int stride = layout.targetCells();
      int offset = layout.driverOffsets()[d] + layout.targetOffsets()[t];
      long[] byTarget = new long[rows];
      long[] byDriver = new long[cols];
      for (int a = 0; a < rows; a++) {
        for (int b = 0; b < cols; b++) {
          long c = joint[offset + b * stride + a];
          byTarget[a] += c;
          byDriver[b] += c;
        }
      }
      // Ranks centred on their mean (n + 1) / 2: the sums below then need no subtraction of large terms.
      double[] rankY = centredAverageRanks(byTarget, n[t]);
      double[] rankX = centredAverageRanks(byDriver, n[t]);
      double cross = 0;
      for (int a = 0; a < rows; a++) {
        for (int b = 0; b < cols; b++) {
          long c = joint[offset + b * stride + a];
          if (c != 0) {
            cross += c * rankY[a] * rankX[b];
          }
        }
      }
      double varY = sumOfSquares(rankY, byTarget);
      double varX = sumOfSquares(rankX, byDriver);
      int occupied = (int) Arrays.stream(byDriver).filter(c -> c > 0).count();
      return new Spearman(varX <= 0 || varY <= 0 ? Double.NaN : clamp(cross / Math.sqrt(varX * varY)), occupied);
    }

    private static double[] centredAverageRanks(long[] counts, long n) {
      double[] ranks = new double[counts.length];
      long below = 0;
      for (int v = 0; v < counts.length; v++) {
        ranks[v] = below + (counts[v] + 1) / 2.0 - (n + 1) / 2.0;
        below += counts[v];
      }
      return ranks;
    }

    private static double sumOfSquares(double[] ranks, long[] counts) {
      double sum = 0;
      for (int v = 0; v < ranks.length; v++) {
        sum += counts[v] * ranks[v] * ranks[v];
      }
      return sum;
    }

    private static double clamp(double r) {
      return Math.max(-1, Math.min(1, r));
    }
  }

  /**
   * @param completeCases the correlation level columns (strings), the targets (ints, NULL when
   *     absent) and the drivers (doubles, never NULL), in that order
   */
  static Map<Segment, Sums> aggregate(Dataset<Row> completeCases, Layout layout) {
    int partitions = Math.max(1, completeCases.sparkSession().sparkContext().defaultParallelism());
    JavaRDD<InternalRow> rows = completeCases.queryExecution().toRdd().toJavaRDD();
    // Fewer, larger tasks: each partition returns its own accumulators, so fewer partitions means less to merge.
    // They travel as bytes: Spark serializes task results with spark.serializer, and Kryo (the
    // default of many clusters) cannot rebuild Java records.
    JavaRDD<byte[]> partial = rows.coalesce(partitions, false)
        .mapPartitions(iterator -> List.of(toBytes(accumulate(iterator, layout))).iterator());
    return fromBytes(partial.treeReduce((a, b) -> toBytes(mergeInto(fromBytes(a), fromBytes(b)))));
  }

  private static byte[] toBytes(HashMap<Segment, Sums> sums) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(sums);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @SuppressWarnings("unchecked")
  private static HashMap<Segment, Sums> fromBytes(byte[] bytes) {
    // On an executor the job's classes come from the task's context class loader, as in Spark's
    // own Java deserializer.
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      protected Class<?> resolveClass(ObjectStreamClass type) throws IOException, ClassNotFoundException {
        try {
          return Class.forName(type.getName(), false, loader);
        } catch (ClassNotFoundException e) {
          return super.resolveClass(type);
        }
      }
    }) {
      return (HashMap<Segment, Sums>) in.readObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("correlation sums: " + e.getMessage(), e);
    }
  }

  private static HashMap<Segment, Sums> accumulate(Iterator<InternalRow> rows, Layout layout) {
    int levels = layout.levels();
    int targets = layout.targets();
    int drivers = layout.drivers();
    int[] targetOffsets = layout.targetOffsets();
    int[] driverOffsets = layout.driverOffsets();
    int stride = layout.targetCells();
    HashMap<Segment, Sums> result = new HashMap<>();
    // Every row is in exactly one value of the first level (NULL included), so overall is the sum
    // of that level's segments: accumulated per row only when there is no level.
    Sums overall = new Sums(layout);
    result.put(new Segment(-1, ""), overall);
    int first = levels == 0 ? 0 : 1;
    // Per level, the accumulators by segment value.
    List<SegmentIndex> byValue = new java.util.ArrayList<>();
    for (int l = 0; l < levels; l++) {
      byValue.add(new SegmentIndex(layout));
    }
    Sums[] targetsOf = new Sums[levels + 1 - first];
    int[] targetCell = new int[targets]; // the row's value's cell among the targets' levels; -1 when NULL
    double[] y = new double[targets];
    int[] driverCell = new int[drivers]; // the first cell of the row's index of each driver
    double[] x = new double[drivers];
    while (rows.hasNext()) {
      InternalRow row = rows.next();
      if (levels == 0) {
        targetsOf[0] = overall;
      }
      for (int l = 0; l < levels; l++) {
        targetsOf[l + 1 - first] = byValue.get(l).sums(row.isNullAt(l) ? null : row.getUTF8String(l));
      }
      for (int d = 0; d < drivers; d++) {
        double value = row.getDouble(levels + targets + d);
        driverCell[d] = driverOffsets[d] + layout.driverIndex(d, value) * stride;
        x[d] = value - layout.driverShift()[d];
      }
      for (int t = 0; t < targets; t++) {
        if (row.isNullAt(levels + t)) {
          targetCell[t] = -1;
          continue;
        }
        int value = row.getInt(levels + t);
        targetCell[t] = targetOffsets[t] + value - layout.targetLow()[t];
        y[t] = value - (layout.targetLow()[t] + (layout.targetLevels()[t] - 1) / 2.0);
      }
      for (Sums s : targetsOf) {
        for (int t = 0; t < targets; t++) {
          int cell = targetCell[t];
          if (cell < 0) {
            continue;
          }
          double yt = y[t];
          s.n[t]++;
          s.sy[t] += yt;
          s.syy[t] += yt * yt;
          double[] sx = s.sx[t];
          double[] sxx = s.sxx[t];
          double[] sxy = s.sxy[t];
          for (int d = 0; d < drivers; d++) {
            double xd = x[d];
            sx[d] += xd;
            sxx[d] += xd * xd;
            sxy[d] += xd * yt;
            s.joint[driverCell[d] + cell]++;
          }
        }
      }
    }
    if (levels > 0) {
      byValue.get(0).forEach((value, sums) -> overall.merge(sums));
    }
    for (int l = 0; l < levels; l++) {
      int level = l;
      byValue.get(l).forEach((value, sums) -> result.put(new Segment(level, value), sums));
    }
    return result;
  }

  /**
   * One level's accumulators by segment value. Looked up for every row and level, so it avoids
   * what made a HashMap of UTF8String the loop's largest cost (a Murmur3 hash of the bytes on
   * every lookup): values are hashed from their length and first and last 8 bytes, in an
   * open-addressing table, and confirmed by comparing the bytes.
   */
  private static final class SegmentIndex {
    private final Layout layout;
    private UTF8String[] keys = new UTF8String[16];
    private Sums[] sums = new Sums[16];
    private int size;
    private Sums nullSums;

    SegmentIndex(Layout layout) {
      this.layout = layout;
    }

    /** The value's accumulators, created on first sight; the key is copied (rows reuse their buffers). */
    Sums sums(UTF8String value) {
      if (value == null) {
        if (nullSums == null) {
          nullSums = new Sums(layout);
        }
        return nullSums;
      }
      int mask = keys.length - 1;
      for (int at = slot(value, mask); ; at = (at + 1) & mask) {
        if (keys[at] == null) {
          Sums created = new Sums(layout);
          keys[at] = value.clone();
          sums[at] = created;
          if (++size * 2 > keys.length) {
            grow();
          }
          return created;
        }
        if (keys[at].equals(value)) {
          return sums[at];
        }
      }
    }

    void forEach(BiConsumer<String, Sums> action) {
      if (nullSums != null) {
        action.accept(null, nullSums);
      }
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] != null) {
          action.accept(keys[i].toString(), sums[i]);
        }
      }
    }

    private void grow() {
      UTF8String[] oldKeys = keys;
      Sums[] oldSums = sums;
      keys = new UTF8String[oldKeys.length * 2];
      sums = new Sums[oldKeys.length * 2];
      int mask = keys.length - 1;
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldKeys[i] != null) {
          int at = slot(oldKeys[i], mask);
          while (keys[at] != null) {
            at = (at + 1) & mask;
          }
          keys[at] = oldKeys[i];
          sums[at] = oldSums[i];
        }
      }
    }

    private static int slot(UTF8String value, int mask) {
      int bytes = value.numBytes();
      long h = value.getPrefix() * 0x9E3779B97F4A7C15L + bytes;
      if (bytes > 8) {
        h = (h ^ Platform.getLong(value.getBaseObject(), value.getBaseOffset() + bytes - 8))
            * 0x9E3779B97F4A7C15L;
      }
      return (int) (h ^ (h >>> 32)) & mask;
    }
  }

  private static HashMap<Segment, Sums> mergeInto(HashMap<Segment, Sums> into, HashMap<Segment, Sums> other) {
    other.forEach((segment, sums) -> {
      Sums existing = into.get(segment);
      if (existing == null) {
        into.put(segment, sums);
      } else {
        existing.merge(sums);
      }
    });
    return into;
  }
}
