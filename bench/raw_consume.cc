#include "bench/raw_consume.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ferry::bench {

absl::StatusOr<ConsumeResult> RawConsume(const std::string& bootstrap, const std::string& topic,
                                         int partitions, int64_t expected) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const char* v) {
    return rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK;
  };
  std::string group =
      absl::StrCat("ferry-bench-raw-", std::chrono::steady_clock::now().time_since_epoch().count());
  if (!set("bootstrap.servers", bootstrap.c_str()) || !set("group.id", group.c_str()) ||
      !set("enable.auto.commit", "false") || !set("enable.partition.eof", "false") ||
      // The same prefetch settings as ferry's tasks get by default.
      !set("queued.max.messages.kbytes", "65536")) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(errstr);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (!rk) return absl::InternalError(errstr);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);

  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rk);
  std::vector<rd_kafka_message_t*> msgs(10000);
  ConsumeResult result;
  std::chrono::steady_clock::time_point first, last;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  absl::Status status;
  while (result.records < expected) {
    if (std::chrono::steady_clock::now() > deadline) {
      status = absl::DeadlineExceededError(
          absl::StrCat("read ", result.records, " of ", expected, " records"));
      break;
    }
    ssize_t n = rd_kafka_consume_batch_queue(q, 500, msgs.data(), msgs.size());
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = msgs[i];
      if (!m->err) {
        if (result.records == 0) first = std::chrono::steady_clock::now();
        ++result.records;
        result.bytes += static_cast<int64_t>(m->len + m->key_len);
        rd_kafka_headers_t* h = nullptr;
        if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h) {
          const char* name;
          const void* val;
          size_t size;
          for (size_t j = 0; rd_kafka_header_get_all(h, j, &name, &val, &size) == 0; ++j) {
            result.bytes += static_cast<int64_t>(size);
          }
        }
      }
      rd_kafka_message_destroy(m);
    }
  }
  last = std::chrono::steady_clock::now();
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (!status.ok()) return status;
  result.seconds = std::chrono::duration<double>(last - first).count();
  return result;
}

}  // namespace ferry::bench
