#include "kafka/producer.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kafka/consumer.h"

namespace ferry::kafka {

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(
    std::map<std::string, std::string> properties) {
  std::unique_ptr<Producer> p(new Producer());
  properties.emplace("enable.idempotence", "true");
  properties.emplace("acks", "all");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [k, v] : properties) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat("producer property ", k, ": ", errstr));
    }
  }
  rd_kafka_conf_set_opaque(conf, p.get());
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    if (m->err) {
      self->failed_.fetch_add(1);
      self->failed_since_flush_.fetch_add(1);
      int expected = 0;
      self->first_error_.compare_exchange_strong(expected, m->err);
    } else {
      self->delivered_.fetch_add(1);
    }
  });
  // Without an error callback librdkafka only logs an unreachable broker or a
  // failed authentication and retries: collect them for the caller's status.
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int err, const char* reason, void* opaque) {
    static_cast<Producer*>(opaque)->OnClientError(
        absl::StrCat(KafkaErrorString(err), ": ", reason));
  });
  p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (p->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);  // rd_kafka_new owns it only when it succeeds.
    return absl::InvalidArgumentError(absl::StrCat("cannot create producer: ", errstr));
  }
  return p;
}

void Producer::OnClientError(std::string error) {
  std::lock_guard<std::mutex> lock(client_errors_mu_);
  // Bounded: a caller that never takes them loses the oldest.
  if (client_errors_.size() >= 100) client_errors_.erase(client_errors_.begin());
  client_errors_.push_back(std::move(error));
}

std::vector<std::string> Producer::TakeClientErrors() {
  rd_kafka_poll(rk_, 0);  // serves the callbacks, error_cb among them.
  std::vector<std::string> out;
  std::lock_guard<std::mutex> lock(client_errors_mu_);
  out.swap(client_errors_);
  return out;
}

Producer::~Producer() {
  if (rk_ != nullptr) {
    rd_kafka_flush(rk_, 10000);
    rd_kafka_destroy(rk_);
  }
}

absl::Status Producer::Send(const ProducerRecord& r) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (!r.headers.empty()) {
    hdrs = rd_kafka_headers_new(r.headers.size());
    for (const auto& [k, v] : r.headers) {
      rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v ? v->data() : nullptr,
                          v ? static_cast<ssize_t>(v->size()) : 0);
    }
  }
  const void* key = r.key ? r.key->data() : nullptr;
  size_t key_len = r.key ? r.key->size() : 0;
  void* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;
  size_t value_len = r.value ? r.value->size() : 0;
  for (;;) {
    rd_kafka_resp_err_t err =
        rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(r.topic.c_str()), RD_KAFKA_V_PARTITION(r.partition),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_len),
                          RD_KAFKA_V_VALUE(value, value_len), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
                          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_, 50);
      continue;
    }
    if (err) {
      if (hdrs) rd_kafka_headers_destroy(hdrs);
      return absl::UnavailableError(
          absl::StrCat("produce to ", r.topic, ": ", KafkaErrorString(err)));
    }
    break;  // headers now owned by librdkafka.
  }
  rd_kafka_poll(rk_, 0);
  return absl::OkStatus();
}

absl::Status Producer::Flush(int timeout_ms) {
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_, timeout_ms);
  if (err) return absl::DeadlineExceededError(absl::StrCat("flush: ", KafkaErrorString(err)));
  const int64_t failed = failed_since_flush_.exchange(0);
  const int first_error = first_error_.exchange(0);
  if (failed > 0) {
    return absl::UnavailableError(
        absl::StrCat(failed, " records failed; first error: ", KafkaErrorString(first_error)));
  }
  return absl::OkStatus();
}

namespace {

struct RkDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};

absl::StatusOr<std::unique_ptr<rd_kafka_t, RkDeleter>> AdminHandle(const std::string& bootstrap) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof(errstr)) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(errstr);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return absl::InternalError(errstr);
  }
  return std::unique_ptr<rd_kafka_t, RkDeleter>(rk);
}

}  // namespace

namespace {

// The partition count of a topic the cluster lists (an all-topics request:
// asking for the topic by name could auto-create it); nullopt when it does
// not list it.
absl::StatusOr<std::optional<int>> ListedPartitions(rd_kafka_t* rk, const std::string& topic) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, 10000);
  if (err) return absl::UnavailableError(absl::StrCat("metadata: ", KafkaErrorString(err)));
  std::optional<int> partitions;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      partitions = md->topics[i].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(md);
  return partitions;
}

absl::Status CreateTopic(rd_kafka_t* rk, const std::string& topic, int partitions,
                         int replication_factor, int timeout_ms) {
  char errstr[512];
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, errstr, sizeof(errstr));
  if (!nt) return absl::InvalidArgumentError(errstr);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, errstr, sizeof(errstr));
  rd_kafka_CreateTopics(rk, &nt, 1, options, q);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
  absl::Status status;
  if (!ev) {
    status = absl::DeadlineExceededError(absl::StrCat(
        "create topic ", topic, ": no answer to CreateTopics within ", timeout_ms, " ms"));
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        res ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
    if (rd_kafka_event_error(ev)) {
      status = absl::UnavailableError(
          absl::StrCat("create topic ", topic, ": ", rd_kafka_event_error_string(ev)));
    } else {
      for (size_t i = 0; i < n; ++i) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
        if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          status = absl::AlreadyExistsError(absl::StrCat("topic ", topic, " already exists"));
        } else if (e) {
          const char* why = rd_kafka_topic_result_error_string(results[i]);
          status = absl::UnavailableError(
              absl::StrCat("create topic ", topic, ": ", KafkaErrorString(e),
                           why && *why ? absl::StrCat(" (", why, ")") : std::string()));
        }
      }
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  return status;
}

// An existing topic must have the partition count asked for: a different
// count is an error, never silently accepted.
absl::Status CheckPartitions(const std::string& topic, int have, int want) {
  if (want <= 0 || have == want) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("topic ", topic, " already exists with ", have, " partitions, not ", want));
}

}  // namespace

absl::Status EnsureTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                         int replication_factor, int timeout_ms) {
  auto rk = AdminHandle(bootstrap);
  if (!rk.ok()) return rk.status();
  absl::StatusOr<std::optional<int>> listed = ListedPartitions(rk->get(), topic);
  if (!listed.ok()) return listed.status();
  if (*listed) return CheckPartitions(topic, **listed, partitions);
  absl::Status created = CreateTopic(rk->get(), topic, partitions, replication_factor, timeout_ms);
  if (created.code() != absl::StatusCode::kAlreadyExists) return created;
  // Created concurrently by someone else: it must still match.
  listed = ListedPartitions(rk->get(), topic);
  if (!listed.ok()) return listed.status();
  return *listed ? CheckPartitions(topic, **listed, partitions) : absl::OkStatus();
}

absl::Status CreateTopicIfMissing(const std::string& bootstrap, const std::string& topic,
                                  int partitions, int replication_factor) {
  auto rk = AdminHandle(bootstrap);
  if (!rk.ok()) return rk.status();
  absl::StatusOr<std::optional<int>> listed = ListedPartitions(rk->get(), topic);
  if (!listed.ok()) return listed.status();
  if (*listed) return absl::OkStatus();
  absl::Status created =
      CreateTopic(rk->get(), topic, partitions, replication_factor, /*timeout_ms=*/10000);
  if (created.ok() || created.code() == absl::StatusCode::kAlreadyExists) {
    return absl::OkStatus();
  }
  return absl::Status(created.code(),
                      absl::StrCat(created.message(),
                                   "; create the topic yourself, or give ferry's principal the "
                                   "CREATE permission on the cluster"));
}

absl::StatusOr<int> BrokerCount(const std::string& bootstrap) {
  auto rk = AdminHandle(bootstrap);
  if (!rk.ok()) return rk.status();
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk->get(), 0, nullptr, &md, 10000);
  if (err) return absl::UnavailableError(absl::StrCat("metadata: ", KafkaErrorString(err)));
  const int count = md->broker_cnt;
  rd_kafka_metadata_destroy(md);
  return count;
}

absl::StatusOr<int> PartitionCount(const std::string& bootstrap, const std::string& topic) {
  auto rk = AdminHandle(bootstrap);
  if (!rk.ok()) return rk.status();
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk->get(), 0, rkt, &md, 10000);
  rd_kafka_topic_destroy(rkt);
  if (err) return absl::UnavailableError(absl::StrCat("metadata: ", KafkaErrorString(err)));
  int count = -1;
  absl::Status status;
  if (md->topic_cnt == 1) {
    if (md->topics[0].err) {
      status = absl::NotFoundError(
          absl::StrCat("topic ", topic, ": ", KafkaErrorString(md->topics[0].err)));
    } else {
      count = md->topics[0].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(md);
  if (!status.ok()) return status;
  if (count < 0) return absl::NotFoundError("topic " + topic + " not found");
  return count;
}

absl::StatusOr<std::string> ClusterId(const std::string& bootstrap) {
  auto rk = AdminHandle(bootstrap);
  if (!rk.ok()) return rk.status();
  char* id = rd_kafka_clusterid(rk->get(), 10000);
  if (id == nullptr) {
    return absl::UnavailableError(absl::StrCat("no cluster id from ", bootstrap, " within 10 s"));
  }
  std::string out(id);
  rd_kafka_mem_free(rk->get(), id);
  return out;
}

}  // namespace ferry::kafka
