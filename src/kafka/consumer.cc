#include "kafka/consumer.h"

#include <librdkafka/rdkafka.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "kafka/producer.h"
#include "spdlog/spdlog.h"

namespace ferry::kafka {
namespace {

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    if (l) rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

absl::Status KafkaError(rd_kafka_resp_err_t err, std::string_view what) {
  return absl::UnavailableError(absl::StrCat(std::string(what), ": ", KafkaErrorString(err)));
}

TimestampType ToTimestampType(rd_kafka_timestamp_type_t t) {
  switch (t) {
    case RD_KAFKA_TIMESTAMP_CREATE_TIME:
      return TimestampType::kCreateTime;
    case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME:
      return TimestampType::kLogAppendTime;
    default:
      return TimestampType::kNoTimestamp;
  }
}

}  // namespace

std::string KafkaErrorString(int err) {
  return absl::StrCat(rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)), " (", err, ")");
}

absl::Status ReadTopicToEnd(const std::string& bootstrap, const std::string& topic,
                            const std::function<void(const RawRecord&)>& on_record,
                            std::chrono::milliseconds timeout) {
  auto partitions = PartitionCount(bootstrap, topic);
  if (!partitions.ok()) return partitions.status();
  ConsumerOptions o;
  o.properties["bootstrap.servers"] = bootstrap;
  o.properties["group.id"] =
      absl::StrCat("ferry-reader-", std::chrono::steady_clock::now().time_since_epoch().count());
  o.topics = {topic};
  auto consumer = Consumer::Create(o);
  if (!consumer.ok()) return consumer.status();
  std::map<int32_t, int64_t> end;   // partition → high watermark once all are assigned.
  std::map<int32_t, int64_t> next;  // partition → next offset to read.
  std::vector<RawRecord> batch;
  std::vector<LostRange> lost;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool done = end.size() == static_cast<size_t>(*partitions);
    for (const auto& [p, high] : end) done = done && next[p] >= high;
    if (done) break;
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("reading topic ", topic, " timed out"));
    }
    batch.clear();
    if (absl::Status s = (*consumer)->Poll(10000, 200, &batch, &lost); !s.ok()) return s;
    if (!lost.empty()) {
      return absl::DataLossError(
          absl::StrCat("offsets of ", lost[0].tp.DebugString(), " are no longer on the broker"));
    }
    if (end.size() != static_cast<size_t>(*partitions)) {
      end.clear();
      for (const TopicPartition& tp : (*consumer)->Assignment()) {
        int64_t low, high;
        if (absl::Status s = (*consumer)->QueryWatermarks(tp, &low, &high, 10000); !s.ok()) {
          return s;
        }
        end[tp.partition] = high;
        next.emplace(tp.partition, low);
      }
    }
    for (const RawRecord& r : batch) {
      next[r.partition] = std::max(next[r.partition], r.offset + 1);
      on_record(r);
    }
  }
  (*consumer)->Close();
  return absl::OkStatus();
}

namespace {

// A consumer handle of `group` that never joins it (for queries).
absl::StatusOr<rd_kafka_t*> QueryHandle(const std::string& bootstrap_servers,
                                        const std::string& group) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [k, v] : std::map<std::string, std::string>{
           {"bootstrap.servers", bootstrap_servers}, {"group.id", group}}) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(errstr);
    }
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) return absl::InternalError(errstr);
  return rk;
}

}  // namespace

absl::StatusOr<std::map<int32_t, int64_t>> CommittedOffsets(const std::string& bootstrap_servers,
                                                            const std::string& group,
                                                            const std::string& topic,
                                                            int partitions) {
  auto rk = QueryHandle(bootstrap_servers, group);
  if (!rk.ok()) return rk.status();
  PartitionList list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  rd_kafka_resp_err_t err = rd_kafka_committed(*rk, list.get(), 30000);
  std::map<int32_t, int64_t> out;
  if (!err) {
    for (int i = 0; i < list->cnt; ++i) out[list->elems[i].partition] = list->elems[i].offset;
  }
  rd_kafka_destroy(*rk);
  if (err) return KafkaError(err, "committed offsets");
  return out;
}

absl::StatusOr<std::map<int32_t, std::pair<int64_t, int64_t>>> Watermarks(
    const std::string& bootstrap_servers, const std::string& topic, int partitions) {
  auto rk = QueryHandle(bootstrap_servers, "ferry-watermarks");
  if (!rk.ok()) return rk.status();
  std::map<int32_t, std::pair<int64_t, int64_t>> out;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int p = 0; p < partitions && !err; ++p) {
    int64_t low = -1, high = -1;
    err = rd_kafka_query_watermark_offsets(*rk, topic.c_str(), p, &low, &high, 10000);
    out[p] = {low, high};
  }
  rd_kafka_destroy(*rk);
  if (err) return KafkaError(err, absl::StrCat("watermarks of ", topic));
  return out;
}

std::string CheckConsumerProperty(const std::string& key, const std::string& value) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  std::string error;
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
      RD_KAFKA_CONF_OK) {
    error = errstr;
  }
  rd_kafka_conf_destroy(conf);
  return error;
}

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(ConsumerOptions options) {
  std::unique_ptr<Consumer> c(new Consumer());
  c->listener_ = options.listener;
  c->auto_offset_reset_ = options.auto_offset_reset;
  c->api_timeout_ms_ = options.api_timeout_ms;
  if (c->auto_offset_reset_ != "earliest" && c->auto_offset_reset_ != "latest") {
    return absl::InvalidArgumentError(
        absl::StrCat("auto.offset.reset must be earliest or latest, got ", c->auto_offset_reset_));
  }
  auto group = options.properties.find("group.id");
  if (group == options.properties.end() || group->second.empty()) {
    return absl::InvalidArgumentError("consumer needs a group.id");
  }
  c->group_id_ = group->second;

  // Offsets are committed only by the task, after the records are safe.
  options.properties["enable.auto.commit"] = "false";
  options.properties["enable.auto.offset.store"] = "false";
  options.properties["enable.partition.eof"] = "false";
  // A position that is out of range must surface as an error (data lost to
  // retention) rather than be reset silently; where a partition with no
  // committed offset starts is decided at assignment instead.
  options.properties["auto.offset.reset"] = "error";

  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [k, v] : options.properties) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat("consumer property ", k, ": ", errstr));
    }
  }
  rd_kafka_conf_set_opaque(conf, c.get());
  rd_kafka_conf_set_rebalance_cb(
      conf, [](rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
               void* opaque) { RebalanceTrampoline(rk, static_cast<int>(err), parts, opaque); });
  rd_kafka_conf_set_offset_commit_cb(
      conf, [](rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
               void* opaque) {
        static_cast<Consumer*>(opaque)->OnCommitResult(static_cast<int>(err), offsets);
      });
  // Without an error callback librdkafka only logs a broker that cannot be
  // reached (or all brokers down, or failed authentication) and retries:
  // collect them so the task reports them in its status.
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int err, const char* reason, void* opaque) {
    static_cast<Consumer*>(opaque)->OnClientError(
        absl::StrCat(KafkaErrorString(err), ": ", reason));
  });
  c->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (c->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);  // rd_kafka_new owns it only when it succeeds.
    return absl::InvalidArgumentError(absl::StrCat("cannot create consumer: ", errstr));
  }
  rd_kafka_poll_set_consumer(c->rk_);

  PartitionList topics(rd_kafka_topic_partition_list_new(
      static_cast<int>(std::max<size_t>(1, options.topics.size()))));
  if (!options.topics.empty()) {
    for (const std::string& t : options.topics) {
      rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    }
  } else if (!options.topics_regex.empty()) {
    std::string re = options.topics_regex;
    if (re.front() != '^') re = "^" + re;  // librdkafka treats '^'-prefixed names as regexes.
    rd_kafka_topic_partition_list_add(topics.get(), re.c_str(), RD_KAFKA_PARTITION_UA);
  } else {
    return absl::InvalidArgumentError("consumer needs topics or a topics regex");
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk_, topics.get());
  if (err) return KafkaError(err, "subscribe");
  return c;
}

void Consumer::OnClientError(std::string error) {
  spdlog::warn("group {}: consumer error: {}", group_id_, error);
  std::lock_guard<std::mutex> lock(client_errors_mu_);
  // Bounded: a caller that never takes them loses the oldest.
  if (client_errors_.size() >= 100) client_errors_.erase(client_errors_.begin());
  client_errors_.push_back(std::move(error));
}

std::vector<std::string> Consumer::TakeClientErrors() {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> lock(client_errors_mu_);
  out.swap(client_errors_);
  return out;
}

Consumer::~Consumer() {
  Close();
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

void Consumer::Close() {
  if (closed_ || rk_ == nullptr) return;
  closed_ = true;
  // Revokes the assignment through the rebalance callback, so the listener
  // commits what it has before the group moves on.
  rd_kafka_consumer_close(rk_);
}

void Consumer::RebalanceTrampoline(rd_kafka_s* rk, int err, rd_kafka_topic_partition_list_s* parts,
                                   void* opaque) {
  static_cast<Consumer*>(opaque)->OnRebalance(err, parts);
}

void Consumer::OnRebalance(int err, rd_kafka_topic_partition_list_s* parts) {
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    // Look up the committed positions ourselves: with auto.offset.reset=error a
    // partition without one must be started explicitly.
    rd_kafka_resp_err_t cerr =
        rd_kafka_committed(rk_, parts, api_timeout_ms_ > 0 ? api_timeout_ms_ : 30000);
    if (cerr) {
      spdlog::warn("group {}: fetching committed offsets failed: {}", group_id_,
                   KafkaErrorString(cerr));
    }
    std::map<TopicPartition, OffsetAndMetadata> start;
    for (int i = 0; i < parts->cnt; ++i) {
      rd_kafka_topic_partition_t& p = parts->elems[i];
      OffsetAndMetadata om;
      if (cerr == RD_KAFKA_RESP_ERR_NO_ERROR && p.err == RD_KAFKA_RESP_ERR_NO_ERROR &&
          p.offset >= 0) {
        om.offset = p.offset;
        if (p.metadata != nullptr && p.metadata_size > 0) {
          om.metadata.assign(static_cast<const char*>(p.metadata), p.metadata_size);
        }
      } else {
        p.offset = auto_offset_reset_ == "latest" ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
      }
      start[TopicPartition{p.topic, p.partition}] = om;
      if (om.offset >= 0) acknowledged_[TopicPartition{p.topic, p.partition}] = om.offset;
      assigned_start_[TopicPartition{p.topic, p.partition}] = p.offset;
    }
    if (listener_) listener_->OnAssigned(start);
    rd_kafka_error_t* aerr = nullptr;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (cooperative) {
      aerr = rd_kafka_incremental_assign(rk_, parts);
    } else {
      e = rd_kafka_assign(rk_, parts);
    }
    if (aerr) {
      rebalance_error_ = absl::InternalError(absl::StrCat("assign: ", rd_kafka_error_string(aerr)));
      rd_kafka_error_destroy(aerr);
    } else if (e) {
      rebalance_error_ = KafkaError(e, "assign");
    } else if (paused_) {
      rd_kafka_pause_partitions(rk_, parts);  // Connect re-pauses new assignments too.
    }
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    std::vector<TopicPartition> revoked;
    for (int i = 0; i < parts->cnt; ++i) {
      revoked.push_back(TopicPartition{parts->elems[i].topic, parts->elems[i].partition});
    }
    if (listener_) {
      if (rd_kafka_assignment_lost(rk_)) {
        spdlog::warn("group {}: {} partition(s) lost (no longer a member)", group_id_,
                     revoked.size());
        listener_->OnLost(revoked);
      } else {
        listener_->OnRevoked(revoked);
      }
    }
    for (const TopicPartition& tp : revoked) {
      assigned_start_.erase(tp);
      acknowledged_.erase(tp);
    }
    if (cooperative) {
      rd_kafka_error_t* aerr = rd_kafka_incremental_unassign(rk_, parts);
      if (aerr) rd_kafka_error_destroy(aerr);
    } else {
      rd_kafka_assign(rk_, nullptr);
    }
  } else {
    spdlog::error("group {}: rebalance error: {}", group_id_, KafkaErrorString(err));
    rd_kafka_assign(rk_, nullptr);
  }
}

absl::Status Consumer::Poll(int max_records, int timeout_ms, std::vector<RawRecord>* out,
                            std::vector<LostRange>* lost) {
  std::vector<rd_kafka_message_t*> msgs(static_cast<size_t>(max_records));
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rk_);
  ssize_t n = rd_kafka_consume_batch_queue(q, timeout_ms, msgs.data(), msgs.size());
  rd_kafka_queue_destroy(q);
  if (!rebalance_error_.ok()) {
    absl::Status s = rebalance_error_;
    rebalance_error_ = absl::OkStatus();
    return s;
  }
  if (n < 0) return KafkaError(rd_kafka_last_error(), "consume");
  absl::Status status;
  for (ssize_t i = 0; i < n; ++i) {
    rd_kafka_message_t* m = msgs[i];
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
          m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
        TopicPartition tp{m->rkt ? rd_kafka_topic_name(m->rkt) : "", m->partition};
        int64_t low = -1, high = -1;
        absl::Status ws =
            QueryWatermarks(tp, &low, &high, api_timeout_ms_ > 0 ? api_timeout_ms_ : 10000);
        LostRange range{tp, m->offset, ws.ok() ? low : -1};
        if (range.to >= 0 && range.from >= 0 && range.from > range.to) {
          // Past the end (e.g. the log was truncated): nothing older is lost,
          // but the position is gone; resume at the end.
          range.from = range.to = high;
        }
        lost->push_back(range);
      } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        // Not requested; ignore.
      } else {
        char errstr[512];
        rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk_, errstr, sizeof(errstr));
        if (fatal) {
          status = absl::InternalError(absl::StrCat("fatal consumer error: ", errstr));
        } else {
          OnClientError(absl::StrCat(KafkaErrorString(m->err), ": ", rd_kafka_message_errstr(m)));
        }
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    RawRecord r;
    r.topic = rd_kafka_topic_name(m->rkt);
    r.partition = m->partition;
    r.offset = m->offset;
    rd_kafka_timestamp_type_t tstype;
    r.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
    r.timestamp_type = ToTimestampType(tstype);
    if (m->key) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
      size_t count = rd_kafka_header_cnt(hdrs);
      r.headers.reserve(count);
      for (size_t h = 0; h < count; ++h) {
        const char* name;
        const void* val;
        size_t size;
        if (rd_kafka_header_get_all(hdrs, h, &name, &val, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          continue;
        }
        std::optional<std::string> v;
        if (val) v.emplace(static_cast<const char*>(val), size);
        r.headers.emplace_back(name, std::move(v));
      }
    }
    out->push_back(std::move(r));
    rd_kafka_message_destroy(m);
  }
  return status;
}

void Consumer::OnCommitResult(int err, rd_kafka_topic_partition_list_s* offsets) {
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;  // nothing to commit.
  for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = offsets->elems[i];
    if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR && err == RD_KAFKA_RESP_ERR_NO_ERROR && p.offset >= 0) {
      int64_t& acked = acknowledged_[TopicPartition{p.topic, p.partition}];
      acked = std::max(acked, p.offset);
    } else {
      commit_error_ = KafkaError(p.err ? p.err : static_cast<rd_kafka_resp_err_t>(err),
                                 absl::StrCat("commit ", p.topic, "-", p.partition));
    }
  }
  if (err && (offsets == nullptr || offsets->cnt == 0)) {
    commit_error_ = KafkaError(static_cast<rd_kafka_resp_err_t>(err), "commit");
  }
}

absl::Status Consumer::TakeCommitError() {
  absl::Status s = commit_error_;
  commit_error_ = absl::OkStatus();
  return s;
}

absl::Status Consumer::Commit(const std::map<TopicPartition, OffsetAndMetadata>& offsets,
                              bool sync) {
  if (offsets.empty()) return absl::OkStatus();
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, om] : offsets) {
    rd_kafka_topic_partition_t* p =
        rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
    p->offset = om.offset;
    if (!om.metadata.empty()) {
      // Freed by librdkafka with the list.
      p->metadata = std::malloc(om.metadata.size());
      std::memcpy(p->metadata, om.metadata.data(), om.metadata.size());
      p->metadata_size = om.metadata.size();
    }
  }
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list.get(), sync ? 0 : 1);
  if (err) return KafkaError(err, "commit");
  if (sync) {
    OnCommitResult(RD_KAFKA_RESP_ERR_NO_ERROR, list.get());
    return TakeCommitError();
  }
  return absl::OkStatus();
}

absl::Status Consumer::Seek(const TopicPartition& tp, int64_t offset) {
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
  if (cooperative) {
    PartitionList one(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(one.get(), tp.topic.c_str(), tp.partition);
    rd_kafka_error_t* err = rd_kafka_incremental_unassign(rk_, one.get());
    if (!err) {
      one->elems[0].offset = offset;
      err = rd_kafka_incremental_assign(rk_, one.get());
    }
    if (err) {
      absl::Status s = absl::UnavailableError(
          absl::StrCat("re-assign ", tp.DebugString(), ": ", rd_kafka_error_string(err)));
      rd_kafka_error_destroy(err);
      return s;
    }
    assigned_start_[tp] = offset;
    return absl::OkStatus();
  }
  // Eager protocol: assignment changes are whole; keep every other partition
  // at its current position (or where it was started, if nothing was read).
  rd_kafka_topic_partition_list_t* current = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_assignment(rk_, &current);
  if (err) return KafkaError(err, "assignment");
  PartitionList list(current);
  err = rd_kafka_position(rk_, list.get());
  if (err) return KafkaError(err, "position");
  for (int i = 0; i < list->cnt; ++i) {
    rd_kafka_topic_partition_t& p = list->elems[i];
    TopicPartition key{p.topic, p.partition};
    if (key == tp) {
      p.offset = offset;
    } else if (p.offset < 0) {
      auto it = assigned_start_.find(key);
      p.offset = it != assigned_start_.end() ? it->second : RD_KAFKA_OFFSET_INVALID;
    }
  }
  err = rd_kafka_assign(rk_, list.get());
  if (err) return KafkaError(err, "re-assign " + tp.DebugString());
  assigned_start_[tp] = offset;
  return absl::OkStatus();
}

bool Consumer::CachedWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high) const {
  return rd_kafka_get_watermark_offsets(rk_, tp.topic.c_str(), tp.partition, low, high) ==
             RD_KAFKA_RESP_ERR_NO_ERROR &&
         *high >= 0;
}

absl::Status Consumer::QueryWatermarks(const TopicPartition& tp, int64_t* low, int64_t* high,
                                       int timeout_ms) {
  rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(rk_, tp.topic.c_str(), tp.partition, low, high, timeout_ms);
  if (err) return KafkaError(err, "watermarks " + tp.DebugString());
  return absl::OkStatus();
}

absl::Status Consumer::SetPaused(bool paused) {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_assignment(rk_, &parts);
  if (err) return KafkaError(err, "assignment");
  PartitionList list(parts);
  err = paused ? rd_kafka_pause_partitions(rk_, parts) : rd_kafka_resume_partitions(rk_, parts);
  if (err) return KafkaError(err, paused ? "pause" : "resume");
  paused_ = paused;
  return absl::OkStatus();
}

std::vector<TopicPartition> Consumer::Assignment() const {
  std::vector<TopicPartition> out;
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(rk_, &parts) == RD_KAFKA_RESP_ERR_NO_ERROR && parts) {
    for (int i = 0; i < parts->cnt; ++i) {
      out.push_back(TopicPartition{parts->elems[i].topic, parts->elems[i].partition});
    }
    rd_kafka_topic_partition_list_destroy(parts);
  }
  return out;
}

}  // namespace ferry::kafka
