package io.satlake.metrics;

import java.time.LocalDate;

/**
 * The mergeable aggregate state of one segment and period: counts and exact integer sums, so
 * period states add up to window states without rescanning responses.
 * Mean scores (CES, then each dimension) are kept as n, sum and sum of squares.
 */
final class ScoreState {
  long responses;
  long npsN;
  long promoters;
  long detractors;
  long csatN;
  long csatTop2;
  final long[] meanN;
  final long[] meanSum;
  final long[] meanSumSquares;
  /** Weighted sums per measure (survey weights). */
  final WeightedSums weighted = new WeightedSums();
  /** First response date of a period state (window states leave it unset). */
  LocalDate firstDate;

  ScoreState(int meanScores) {
    meanN = new long[meanScores];
    meanSum = new long[meanScores];
    meanSumSquares = new long[meanScores];
  }

  void add(ScoreState other) {
    responses += other.responses;
    npsN += other.npsN;
    promoters += other.promoters;
    detractors += other.detractors;
    csatN += other.csatN;
    csatTop2 += other.csatTop2;
    weighted.add(other.weighted);
    for (int i = 0; i < meanN.length; i++) {
      meanN[i] += other.meanN[i];
      meanSum[i] += other.meanSum[i];
      meanSumSquares[i] += other.meanSumSquares[i];
    }
  }
}
