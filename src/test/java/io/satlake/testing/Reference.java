package io.satlake.testing;

/**
 * Textbook definitions written independently of the code under test, for tests to compare
 * against: two-pass Pearson, and average ranks by counting.
 */
public final class Reference {
  private Reference() {}

  /** Pearson r by the two-pass definition; NaN when a variance is zero. */
  public static double pearson(double[] x, double[] y) {
    double mx = 0;
    double my = 0;
    for (int i = 0; i < x.length; i++) {
      mx += x[i] / x.length;
      my += y[i] / y.length;
    }
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < x.length; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
  }

  /** Average ranks by counting: rank = (values below) + (ties + 1) / 2. */
  public static double[] averageRanks(double[] v) {
    double[] r = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      int below = 0;
      int ties = 0;
      for (double w : v) {
        below += w < v[i] ? 1 : 0;
        ties += w == v[i] ? 1 : 0;
      }
      r[i] = below + (ties + 1) / 2.0;
    }
    return r;
  }
}
