package io.satlake.quality;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The outcome of validating one input: every input row is in exactly one of the two.
 *
 * @param accepted typed rows under their canonical names
 * @param rejected rows with {@code reason}, {@code detail}, {@code record_key} and {@code raw_record}
 */
public record Validated(Dataset<Row> accepted, Dataset<Row> rejected) {}
