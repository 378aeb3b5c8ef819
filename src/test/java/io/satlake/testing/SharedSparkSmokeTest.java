package io.satlake.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SharedSparkSmokeTest {
  @Test
  void deltaRoundTrip() {
    var spark = SharedSpark.spark();
    String path = spark.conf().get("spark.sql.warehouse.dir") + "/smoke";
    spark.range(5).write().format("delta").mode("overwrite").save(path);
    assertEquals(5, spark.read().format("delta").load(path).count());
  }
}
