#include "devkafka/dev_kafka_test_util.h"

#include "absl/strings/str_cat.h"

namespace ferry::devkafka::testing {
namespace {

int Ms(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

void CountDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* result = static_cast<ProduceResult*>(opaque);
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++result->delivered;
  } else {
    ++result->failed;
    ++result->errors[msg->err];
  }
}

}  // namespace

uint64_t Fnv1a(const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

absl::StatusOr<RdKafkaPtr> MakeClient(
    rd_kafka_type_t type, const std::string& bootstrap, const ConfMap& conf,
    void (*dr_msg_cb)(rd_kafka_t*, const rd_kafka_message_t*, void*), void* opaque) {
  char errstr[512];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  ConfMap all = conf;
  all["bootstrap.servers"] = bootstrap;
  for (const auto& [key, value] : all) {
    if (rd_kafka_conf_set(c, key.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(c);
      return absl::InvalidArgumentError(absl::StrCat(key, ": ", errstr));
    }
  }
  if (dr_msg_cb != nullptr) rd_kafka_conf_set_dr_msg_cb(c, dr_msg_cb);
  if (opaque != nullptr) rd_kafka_conf_set_opaque(c, opaque);
  rd_kafka_t* rk = rd_kafka_new(type, c, errstr, sizeof(errstr));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(c);
    return absl::InternalError(absl::StrCat("rd_kafka_new: ", errstr));
  }
  return RdKafkaPtr(rk);
}

absl::StatusOr<ProduceResult> Produce(const std::string& bootstrap, const std::string& topic,
                                      int64_t count,
                                      const std::function<int32_t(int64_t)>& partition,
                                      const std::function<std::string(int64_t)>& payload,
                                      const ConfMap& conf, absl::Duration timeout) {
  ProduceResult result;
  absl::StatusOr<RdKafkaPtr> rk =
      MakeClient(RD_KAFKA_PRODUCER, bootstrap, conf, &CountDelivery, &result);
  if (!rk.ok()) return rk.status();
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr);
  absl::Time deadline = absl::Now() + timeout;
  for (int64_t i = 0; i < count; ++i) {
    std::string value = payload(i);
    while (true) {
      if (rd_kafka_produce(rkt, partition(i), RD_KAFKA_MSG_F_COPY, value.data(), value.size(),
                           nullptr, 0, nullptr) == 0) {
        break;
      }
      rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || absl::Now() > deadline) {
        rd_kafka_topic_destroy(rkt);
        return absl::InternalError(absl::StrCat("produce #", i, ": ", rd_kafka_err2str(err)));
      }
      // Local queue full: serve delivery reports, which frees room.
      rd_kafka_poll(rk->get(), 50);
    }
    rd_kafka_poll(rk->get(), 0);
  }
  rd_kafka_resp_err_t flushed = rd_kafka_flush(rk->get(), std::max(0, Ms(deadline - absl::Now())));
  rd_kafka_topic_destroy(rkt);
  if (flushed != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::DeadlineExceededError(absl::StrCat("flush: ", rd_kafka_err2str(flushed), " after ",
                                                    result.delivered, " delivered"));
  }
  return result;
}

absl::StatusOr<std::pair<int64_t, int64_t>> QueryWatermarks(const std::string& bootstrap,
                                                            const std::string& topic,
                                                            int32_t partition,
                                                            absl::Duration timeout) {
  absl::StatusOr<RdKafkaPtr> rk = MakeClient(RD_KAFKA_PRODUCER, bootstrap, {});
  if (!rk.ok()) return rk.status();
  int64_t low = -1;
  int64_t high = -1;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk->get(), topic.c_str(), partition,
                                                             &low, &high, Ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("query_watermark_offsets ", topic, "[", partition,
                                               "]: ", rd_kafka_err2name(err)));
  }
  return std::make_pair(low, high);
}

absl::StatusOr<TopicMetadata> FetchMetadata(const std::string& bootstrap, const std::string& topic,
                                            absl::Duration timeout) {
  absl::StatusOr<RdKafkaPtr> rk = MakeClient(RD_KAFKA_PRODUCER, bootstrap, {});
  if (!rk.ok()) return rk.status();
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk->get(), 0, rkt, &md, Ms(timeout));
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("metadata: ", rd_kafka_err2name(err)));
  }
  TopicMetadata out;
  for (int i = 0; i < md->broker_cnt; ++i) {
    out.brokers[md->brokers[i].id] = {md->brokers[i].host, md->brokers[i].port};
  }
  absl::Status status;
  if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = absl::NotFoundError(
        absl::StrCat("topic ", topic, ": ",
                     md->topic_cnt == 1 ? rd_kafka_err2name(md->topics[0].err) : "missing"));
  } else {
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      out.partitions.push_back(
          {md->topics[0].partitions[i].id, md->topics[0].partitions[i].leader});
    }
  }
  rd_kafka_metadata_destroy(md);
  if (!status.ok()) return status;
  return out;
}

absl::Status ConsumeFromBeginning(const std::string& bootstrap, const std::string& topic,
                                  const std::vector<int64_t>& expected,
                                  const std::function<void(const rd_kafka_message_t&)>& on_message,
                                  absl::Duration timeout, const ConfMap& conf) {
  ConfMap all = {{"group.id", "ferry-devkafka-test"},
                 {"enable.auto.commit", "false"},
                 {"enable.partition.eof", "false"},
                 {"auto.offset.reset", "error"}};
  for (const auto& [k, v] : conf) all[k] = v;
  absl::StatusOr<RdKafkaPtr> rk = MakeClient(RD_KAFKA_CONSUMER, bootstrap, all);
  if (!rk.ok()) return rk.status();
  rd_kafka_topic_partition_list_t* parts =
      rd_kafka_topic_partition_list_new(static_cast<int>(expected.size()));
  for (size_t p = 0; p < expected.size(); ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), static_cast<int32_t>(p))->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(rk->get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InternalError(absl::StrCat("assign: ", rd_kafka_err2str(err)));
  }
  std::vector<int64_t> seen(expected.size(), 0);
  size_t done = 0;
  for (size_t p = 0; p < expected.size(); ++p) done += expected[p] == 0 ? 1 : 0;
  absl::Time deadline = absl::Now() + timeout;
  absl::Status status;
  while (done < expected.size()) {
    if (absl::Now() > deadline) {
      std::string counts;
      for (size_t p = 0; p < expected.size(); ++p) {
        absl::StrAppend(&counts, " [", p, "] ", seen[p], "/", expected[p]);
      }
      status = absl::DeadlineExceededError(absl::StrCat("consumed only", counts));
      break;
    }
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk->get(), 500);
    if (msg == nullptr) continue;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = absl::InternalError(absl::StrCat("consume: ", rd_kafka_message_errstr(msg)));
      rd_kafka_message_destroy(msg);
      break;
    }
    size_t p = static_cast<size_t>(msg->partition);
    if (p < expected.size()) {
      on_message(*msg);
      if (++seen[p] == expected[p]) ++done;
    }
    rd_kafka_message_destroy(msg);
  }
  rd_kafka_consumer_close(rk->get());
  return status;
}

}  // namespace ferry::devkafka::testing
