#include "bigquery/storage_writer.h"

#include <google/protobuf/io/coded_stream.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/cloud/bigquery/storage/v1/storage.grpc.pb.h"
#include "google/rpc/status.pb.h"
#include "spdlog/spdlog.h"

namespace ferry::bigquery {

namespace bqs = google::cloud::bigquery::storage::v1;

bool IsRetriableCode(int grpc_code) {
  switch (static_cast<grpc::StatusCode>(grpc_code)) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::CANCELLED:
      return true;
    default:
      return false;
  }
}

namespace {

// Cancels the armed context when its deadline passes: the sync gRPC API has
// no per-read timeout, and a stalled server must not hang the task forever.
class Watchdog {
 public:
  Watchdog() : thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void Arm(grpc::ClientContext* context, absl::Duration timeout) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      context_ = context;
      deadline_ = absl::Now() + timeout;
      fired_ = false;
    }
    cv_.notify_all();
  }

  // Returns true if the watchdog cancelled the context since it was armed.
  bool Disarm() {
    std::lock_guard<std::mutex> lock(mu_);
    context_ = nullptr;
    return fired_;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      if (context_ == nullptr) {
        cv_.wait(lock);
        continue;
      }
      absl::Time deadline = deadline_;
      if (absl::Now() >= deadline) {
        context_->TryCancel();
        context_ = nullptr;
        fired_ = true;
        continue;
      }
      cv_.wait_for(lock, absl::ToChronoNanoseconds(deadline - absl::Now()));
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  grpc::ClientContext* context_ = nullptr;
  absl::Time deadline_;
  bool fired_ = false;
  bool stop_ = false;
  std::thread thread_;
};

struct Chunk {
  std::vector<size_t> rows;  // indices into the batch.
};

int VarintSize(uint64_t v) {
  return static_cast<int>(google::protobuf::io::CodedOutputStream::VarintSize64(v));
}

std::string StatusText(const grpc::Status& status) {
  return absl::StrCat(status.error_code(), " ", status.error_message());
}

absl::StatusCode ToAbslCode(int grpc_code) { return static_cast<absl::StatusCode>(grpc_code); }

}  // namespace

class StorageWriter::Impl {
 public:
  explicit Impl(StorageWriterOptions options) : options_(std::move(options)) {}

  absl::Status Init() {
    std::string target = options_.endpoint;
    bool tls = true;
    if (absl::StartsWith(target, "http://")) {
      target = target.substr(7);
      tls = false;
    } else if (absl::StartsWith(target, "https://")) {
      target = target.substr(8);
    } else {
      std::string host = absl::AsciiStrToLower(target.substr(0, target.rfind(':')));
      std::string port =
          target.rfind(':') == std::string::npos ? "" : target.substr(target.rfind(':') + 1);
      tls = port == "443" || absl::EndsWith(host, "googleapis.com");
    }
    while (!target.empty() && target.back() == '/') target.pop_back();
    if (target.empty()) return absl::InvalidArgumentError("empty Storage Write API endpoint");
    auto credentials = tls ? grpc::SslCredentials(grpc::SslCredentialsOptions())
                           : grpc::InsecureChannelCredentials();
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    args.SetMaxSendMessageSize(static_cast<int>(options_.max_request_bytes) + 1024 * 1024);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
    channel_ = grpc::CreateCustomChannel(target, credentials, args);
    stub_ = bqs::BigQueryWrite::NewStub(channel_);
    return absl::OkStatus();
  }

  ~Impl() {
    for (auto& [path, stream] : streams_) Close(stream.get(), CloseMode::kGraceful);
  }

  void Reset(const TableReference& table) { CloseStream(DefaultStream(table)); }

  void CloseStream(const std::string& stream_name) {
    auto it = streams_.find(stream_name);
    if (it == streams_.end()) return;
    Close(it->second.get(), CloseMode::kGraceful);
    streams_.erase(it);
  }

  static std::string DefaultStream(const TableReference& table) {
    return table.StoragePath() + "/streams/_default";
  }

  static void NotAttempted(const RetryBudget& budget, const std::deque<Chunk>& chunks,
                           std::vector<RecordResult>* results) {
    const std::string why = budget.NotAttempted();
    for (const Chunk& chunk : chunks) {
      for (size_t i : chunk.rows) (*results)[i] = {WriteStatus::kRetriable, why, ""};
    }
  }

  absl::StatusOr<std::vector<RecordResult>> Append(
      const TableReference& table, const google::protobuf::DescriptorProto& descriptor,
      absl::Span<const std::string> rows, RetryBudget* shared_budget) {
    RetryBudget own_budget(options_.retries);
    RetryBudget& retries = shared_budget != nullptr ? *shared_budget : own_budget;
    std::vector<RecordResult> results(rows.size());
    const std::string stream_name = DefaultStream(table);
    const std::string schema_bytes = descriptor.SerializeAsString();

    // Split into requests under the byte limit.
    const int64_t envelope = static_cast<int64_t>(stream_name.size() + schema_bytes.size()) + 64;
    const int64_t budget = options_.max_request_bytes - envelope;
    std::deque<Chunk> pending;
    Chunk current;
    int64_t current_bytes = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      int64_t row_bytes = static_cast<int64_t>(rows[i].size()) + 1 + VarintSize(rows[i].size());
      if (row_bytes > budget) {
        results[i] = {WriteStatus::kRejected,
                      absl::StrCat("row is ", rows[i].size(),
                                   " bytes, more than one AppendRows request may carry (",
                                   options_.max_request_bytes, " bytes)"),
                      ""};
        continue;
      }
      if (current_bytes + row_bytes > budget && !current.rows.empty()) {
        pending.push_back(std::move(current));
        current = Chunk();
        current_bytes = 0;
      }
      current.rows.push_back(i);
      current_bytes += row_bytes;
    }
    if (!current.rows.empty()) pending.push_back(std::move(current));

    if (retries.spent()) {
      NotAttempted(retries, pending, &results);
      return results;
    }
    std::string last_error;
    for (int attempt = 0;; ++attempt) {
      std::deque<Chunk> retry;
      absl::Status fatal = Pass(table, stream_name, descriptor, schema_bytes, rows, &pending,
                                &retry, &results, &last_error);
      if (!fatal.ok()) return fatal;
      if (retry.empty()) break;
      const int n = retries.Take(last_error);
      if (n == 0) {
        spdlog::warn("BigQuery AppendRows to {}: giving up after {} attempt(s): {}",
                     table.DebugString(), attempt + 1, last_error);
        for (const Chunk& chunk : retry) {
          for (size_t i : chunk.rows) {
            results[i] = {WriteStatus::kRetriable,
                          absl::StrCat("BigQuery AppendRows to ", table.DebugString(),
                                       " failed after ", attempt + 1, " attempt(s): ", last_error),
                          ""};
          }
        }
        break;
      }
      absl::Duration wait = RetryBudget::Backoff(n, options_.retry_wait, options_.max_retry_wait);
      spdlog::warn("BigQuery AppendRows to {}: {}; retrying in {}", table.DebugString(), last_error,
                   absl::FormatDuration(wait));
      absl::SleepFor(wait);  // backoff, not synchronisation.
      pending = std::move(retry);
    }
    return results;
  }

 private:
  struct Stream {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReaderWriter<bqs::AppendRowsRequest, bqs::AppendRowsResponse>> rpc;
    std::string schema_sent;  // serialized descriptor last sent on this stream; "" = none yet.
    absl::Time opened;
  };

  absl::StatusOr<Stream*> Open(const std::string& stream_name, bool may_recycle) {
    const std::string& path = stream_name;
    auto it = streams_.find(path);
    if (it != streams_.end()) {
      if (!may_recycle || absl::Now() - it->second->opened < options_.stream_lifetime) {
        return it->second.get();
      }
      Close(it->second.get(), CloseMode::kGraceful);
      streams_.erase(it);
    }
    auto stream = std::make_unique<Stream>();
    stream->context = std::make_unique<grpc::ClientContext>();
    stream->context->AddMetadata("x-goog-request-params", "write_stream=" + stream_name);
    if (options_.token_source) {
      auto token = options_.token_source->Token();
      if (!token.ok()) return token.status();
      if (!token->empty()) stream->context->AddMetadata("authorization", "Bearer " + *token);
    }
    stream->opened = absl::Now();
    stream->rpc = stub_->AppendRows(stream->context.get());
    Stream* raw = stream.get();
    streams_[path] = std::move(stream);
    return raw;
  }

  enum class CloseMode {
    kGraceful,  // no request in flight: half-close and collect the status.
    kBroken,    // Read/Write failed: the call is over; collect the server's status.
    kAbort,     // give up on a live stream.
  };

  // Ends a stream; returns its final status. The watchdog bounds Finish.
  grpc::Status Close(Stream* stream, CloseMode mode) {
    if (mode == CloseMode::kAbort) stream->context->TryCancel();
    watchdog_.Arm(stream->context.get(), absl::Seconds(5));
    if (mode == CloseMode::kGraceful) stream->rpc->WritesDone();
    grpc::Status status = stream->rpc->Finish();
    watchdog_.Disarm();
    return status;
  }

  void Drop(const std::string& stream_name) {
    auto it = streams_.find(stream_name);
    if (it != streams_.end()) streams_.erase(it);
  }

  // Sends every pending chunk once. Chunks to try again go to *retry. A
  // non-OK return is task-level.
  absl::Status Pass(const TableReference& table, const std::string& stream_name,
                    const google::protobuf::DescriptorProto& descriptor,
                    const std::string& schema_bytes, absl::Span<const std::string> rows,
                    std::deque<Chunk>* pending, std::deque<Chunk>* retry,
                    std::vector<RecordResult>* results, std::string* last_error) {
    std::deque<Chunk> in_flight;
    // A stream that was idle since the last batch may have been closed by the
    // server; one immediate reconnect per pass does not count as a retry.
    bool reconnected = false;
    while (!pending->empty() || !in_flight.empty()) {
      auto opened = Open(stream_name, /*may_recycle=*/in_flight.empty());
      if (!opened.ok()) return opened.status();
      Stream* stream = *opened;
      bool broken = false;
      bool timed_out = false;

      while (static_cast<int>(in_flight.size()) < std::max(1, options_.max_in_flight) &&
             !pending->empty()) {
        bqs::AppendRowsRequest request;
        auto* proto_rows = request.mutable_proto_rows();
        if (stream->schema_sent.empty()) request.set_write_stream(stream_name);
        if (stream->schema_sent != schema_bytes) {
          *proto_rows->mutable_writer_schema()->mutable_proto_descriptor() = descriptor;
        }
        auto* serialized = proto_rows->mutable_rows()->mutable_serialized_rows();
        serialized->Reserve(static_cast<int>(pending->front().rows.size()));
        for (size_t i : pending->front().rows) serialized->Add()->assign(rows[i]);
        if (!stream->rpc->Write(request)) {
          broken = true;
          break;
        }
        stream->schema_sent = schema_bytes;
        in_flight.push_back(std::move(pending->front()));
        pending->pop_front();
      }

      if (!broken && !in_flight.empty()) {
        bqs::AppendRowsResponse response;
        watchdog_.Arm(stream->context.get(), options_.response_timeout);
        bool ok = stream->rpc->Read(&response);
        timed_out = watchdog_.Disarm();
        if (!ok) {
          broken = true;
        } else {
          Chunk chunk = std::move(in_flight.front());
          in_flight.pop_front();
          absl::Status s =
              HandleResponse(response, std::move(chunk), pending, retry, results, last_error);
          if (!s.ok()) {
            Close(stream, CloseMode::kAbort);
            Drop(stream_name);
            return s;
          }
          reconnected = false;
        }
      }
      if (!broken) continue;

      grpc::Status status = Close(stream, CloseMode::kBroken);
      Drop(stream_name);
      if (timed_out) {
        *last_error = absl::StrCat("DEADLINE_EXCEEDED: no AppendRows response within ",
                                   absl::FormatDuration(options_.response_timeout));
      } else {
        *last_error = StatusText(status);
        if (!status.ok() && !IsRetriableCode(status.error_code())) {
          return absl::Status(ToAbslCode(status.error_code()),
                              absl::StrCat("BigQuery AppendRows to ", table.DebugString(), ": ",
                                           status.error_message()));
        }
      }
      // Requests without a response may or may not have been appended; the
      // _default stream is at-least-once, so they are sent again.
      if (!reconnected && !timed_out) {
        reconnected = true;
        while (!in_flight.empty()) {
          pending->push_front(std::move(in_flight.back()));
          in_flight.pop_back();
        }
        continue;
      }
      for (Chunk& chunk : in_flight) retry->push_back(std::move(chunk));
      for (Chunk& chunk : *pending) retry->push_back(std::move(chunk));
      in_flight.clear();
      pending->clear();
    }
    return absl::OkStatus();
  }

  absl::Status HandleResponse(const bqs::AppendRowsResponse& response, Chunk chunk,
                              std::deque<Chunk>* pending, std::deque<Chunk>* retry,
                              std::vector<RecordResult>* results, std::string* last_error) {
    if (!response.has_error()) {
      for (size_t i : chunk.rows) (*results)[i] = {WriteStatus::kDelivered, "", ""};
      return absl::OkStatus();
    }
    const google::rpc::Status& error = response.error();
    if (response.row_errors_size() > 0) {
      // The whole request was refused because of these rows; the rest goes again.
      std::vector<bool> bad(chunk.rows.size(), false);
      bool any = false;
      for (const bqs::RowError& row_error : response.row_errors()) {
        int64_t index = row_error.index();
        if (index < 0 || index >= static_cast<int64_t>(chunk.rows.size())) continue;
        bad[index] = true;
        any = true;
        (*results)[chunk.rows[index]] = {
            WriteStatus::kRejected,
            absl::StrCat("BigQuery rejected the row: ", row_error.message()), ""};
      }
      if (any) {
        Chunk rest;
        for (size_t k = 0; k < chunk.rows.size(); ++k) {
          if (!bad[k]) rest.rows.push_back(chunk.rows[k]);
        }
        if (!rest.rows.empty()) pending->push_front(std::move(rest));
        return absl::OkStatus();
      }
    }
    *last_error = absl::StrCat(error.code(), " ", error.message());
    if (IsRetriableCode(error.code())) {
      retry->push_back(std::move(chunk));
      return absl::OkStatus();
    }
    return absl::Status(ToAbslCode(error.code()),
                        absl::StrCat("BigQuery AppendRows refused the request: ", error.message()));
  }

 public:
  // ---- Explicit streams -------------------------------------------------

  absl::StatusOr<std::string> CreateWriteStream(const TableReference& table, WriteStreamType type,
                                                RetryBudget* budget) {
    bqs::CreateWriteStreamRequest request;
    request.set_parent(table.StoragePath());
    request.mutable_write_stream()->set_type(type == WriteStreamType::kCommitted
                                                 ? bqs::WriteStream::COMMITTED
                                                 : bqs::WriteStream::PENDING);
    bqs::WriteStream response;
    absl::Status s = Unary("CreateWriteStream", "parent=" + table.StoragePath(), budget,
                           [&](grpc::ClientContext* context) {
                             return stub_->CreateWriteStream(context, request, &response);
                           });
    if (!s.ok()) return s;
    return response.name();
  }

  absl::StatusOr<WriteStreamInfo> GetWriteStream(const std::string& stream, RetryBudget* budget) {
    bqs::GetWriteStreamRequest request;
    request.set_name(stream);
    request.set_view(bqs::BASIC);
    bqs::WriteStream response;
    absl::Status s = Unary("GetWriteStream", "name=" + stream, budget, [&](grpc::ClientContext* c) {
      return stub_->GetWriteStream(c, request, &response);
    });
    if (!s.ok()) return s;
    WriteStreamInfo info;
    info.type = response.type() == bqs::WriteStream::PENDING ? WriteStreamType::kPending
                                                             : WriteStreamType::kCommitted;
    info.committed = response.has_commit_time();
    return info;
  }

  absl::StatusOr<int64_t> FinalizeWriteStream(const std::string& stream, RetryBudget* budget) {
    CloseStream(stream);
    bqs::FinalizeWriteStreamRequest request;
    request.set_name(stream);
    bqs::FinalizeWriteStreamResponse response;
    absl::Status s = Unary(
        "FinalizeWriteStream", "name=" + stream, budget,
        [&](grpc::ClientContext* c) { return stub_->FinalizeWriteStream(c, request, &response); });
    if (!s.ok()) return s;
    return response.row_count();
  }

  absl::Status BatchCommitWriteStreams(const TableReference& table,
                                       const std::vector<std::string>& streams,
                                       RetryBudget* budget) {
    // A batch commit is all or nothing, and its errors name only the streams
    // that failed: when some were already committed (an earlier attempt
    // whose reply was lost), nothing else was, so the rest go again alone.
    std::vector<std::string> remaining = streams;
    while (!remaining.empty()) {
      bqs::BatchCommitWriteStreamsRequest request;
      request.set_parent(table.StoragePath());
      for (const std::string& stream : remaining) request.add_write_streams(stream);
      bqs::BatchCommitWriteStreamsResponse response;
      absl::Status s = Unary("BatchCommitWriteStreams", "parent=" + table.StoragePath(), budget,
                             [&](grpc::ClientContext* c) {
                               return stub_->BatchCommitWriteStreams(c, request, &response);
                             });
      if (!s.ok()) return s;
      if (response.stream_errors_size() == 0) {
        if (!response.has_commit_time()) {
          return absl::UnknownError(absl::StrCat("BatchCommitWriteStreams on ", table.DebugString(),
                                                 ": no commit time and no stream errors"));
        }
        return absl::OkStatus();
      }
      std::string errors;
      std::set<std::string> committed;
      bool other = false;
      for (const bqs::StorageError& e : response.stream_errors()) {
        absl::StrAppend(&errors, errors.empty() ? "" : "; ", e.entity(), ": ", e.error_message());
        if (e.code() == bqs::StorageError::STREAM_ALREADY_COMMITTED) {
          committed.insert(e.entity());
        } else {
          other = true;
        }
      }
      std::vector<std::string> rest;
      for (const std::string& stream : remaining) {
        if (committed.count(stream) == 0) rest.push_back(stream);
      }
      if (other || rest.size() == remaining.size()) {
        return absl::FailedPreconditionError(
            absl::StrCat("BatchCommitWriteStreams on ", table.DebugString(), ": ", errors));
      }
      remaining = std::move(rest);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<OffsetAppendResult> AppendAt(const std::string& stream_name,
                                              const google::protobuf::DescriptorProto& descriptor,
                                              absl::Span<const std::string> rows,
                                              int64_t first_offset, RetryBudget* shared_budget) {
    RetryBudget own_budget(options_.retries);
    RetryBudget& retries = shared_budget != nullptr ? *shared_budget : own_budget;
    OffsetAppendResult out;
    out.results.assign(rows.size(), RecordResult{WriteStatus::kRetriable, "", ""});
    out.next_offset = first_offset;
    if (retries.spent()) {
      for (RecordResult& r : out.results) r.reason = retries.NotAttempted();
      return out;
    }
    const std::string schema_bytes = descriptor.SerializeAsString();
    const int64_t budget = options_.max_request_bytes -
                           static_cast<int64_t>(stream_name.size() + schema_bytes.size()) - 64;
    Run run{stream_name, &descriptor, &schema_bytes, rows, first_offset, budget, {}, 0};
    for (size_t i = 0; i < rows.size(); ++i) {
      if (RowBytes(rows[i]) > budget) {
        out.results[i] = {WriteStatus::kRejected,
                          absl::StrCat("row is ", rows[i].size(),
                                       " bytes, more than one AppendRows request may carry (",
                                       options_.max_request_bytes, " bytes)"),
                          ""};
        continue;
      }
      run.seq.push_back(i);
    }

    std::string last_error;
    bool probe = false;
    for (int attempt = 0; run.confirmed < run.seq.size();) {
      Reply reply = probe ? Probe(run) : Pipeline(run);
      switch (reply.kind) {
        case Reply::kOk:
          probe = false;
          continue;
        case Reply::kRowErrors:
          // Rejected rows take no offset; the others shift down and go again.
          for (size_t k = 0; k < reply.rejected.size(); ++k) {
            out.results[run.seq[reply.rejected[k]]] = {
                WriteStatus::kRejected,
                absl::StrCat("BigQuery rejected the row: ", reply.messages[k]), ""};
          }
          for (auto it = reply.rejected.rbegin(); it != reply.rejected.rend(); ++it) {
            run.seq.erase(run.seq.begin() + static_cast<std::ptrdiff_t>(*it));
          }
          continue;
        case Reply::kUnknownEnd:
          probe = true;
          continue;
        case Reply::kRetriable:
          last_error = reply.message;
          probe = true;  // requests in flight may or may not have landed.
          if (const int n = retries.Take(last_error); n == 0) {
            spdlog::warn("BigQuery AppendRows to {}: giving up after {} attempt(s): {}",
                         stream_name, attempt + 1, last_error);
            break;
          } else {
            absl::Duration wait =
                RetryBudget::Backoff(n, options_.retry_wait, options_.max_retry_wait);
            spdlog::warn("BigQuery AppendRows to {}: {}; retrying in {}", stream_name, last_error,
                         absl::FormatDuration(wait));
            absl::SleepFor(wait);  // backoff, not synchronisation.
          }
          ++attempt;
          continue;
        case Reply::kStreamProblem:
          out.stream_problem = reply.status;
          out.finalized = reply.finalized;
          out.unexplained = reply.unexplained;
          break;
        case Reply::kFatal:
          return reply.status;
      }
      break;
    }
    for (size_t k = 0; k < run.confirmed; ++k) {
      out.results[run.seq[k]] = {WriteStatus::kDelivered, "", ""};
    }
    for (size_t k = run.confirmed; k < run.seq.size(); ++k) {
      out.results[run.seq[k]] = {
          WriteStatus::kRetriable,
          out.stream_problem.ok()
              ? absl::StrCat("BigQuery AppendRows to ", stream_name, " failed: ", last_error)
              : std::string(out.stream_problem.message()),
          ""};
    }
    out.next_offset = first_offset + static_cast<int64_t>(run.confirmed);
    return out;
  }

 private:
  // One AppendAt call: rows in offset order and how many are known present.
  struct Run {
    const std::string& stream;
    const google::protobuf::DescriptorProto* descriptor;
    const std::string* schema_bytes;
    absl::Span<const std::string> rows;
    int64_t first_offset;
    int64_t budget;
    std::vector<size_t> seq;  // indices into rows, in offset order.
    size_t confirmed;         // seq[0, confirmed) are in the stream.
    int64_t Offset(size_t pos) const { return first_offset + static_cast<int64_t>(pos); }
  };

  struct Reply {
    enum Kind {
      kOk,             // progress made (run.confirmed advanced).
      kRowErrors,      // rows refused (seq positions in `rejected`).
      kUnknownEnd,     // the stream's end is not where the run thinks: probe.
      kRetriable,      // transient; in-flight requests may have landed.
      kStreamProblem,  // the stream takes no more rows.
      kFatal,          // task-level.
    } kind = kOk;
    absl::Status status;
    std::string message;
    bool finalized = false;
    bool unexplained = false;     // kStreamProblem: a status code without a StorageError.
    bool already_exists = false;  // kUnknownEnd: the offset is below the end (else above it).
    std::vector<size_t> rejected;
    std::vector<std::string> messages;

    static Reply Fatal(absl::Status status) {
      Reply reply;
      reply.kind = kFatal;
      reply.status = std::move(status);
      return reply;
    }
  };

  static int64_t RowBytes(const std::string& row) {
    return static_cast<int64_t>(row.size()) + 1 + VarintSize(row.size());
  }

  // Classifies an error status from BigQuery (in a response or ending the
  // call) for an explicit stream.
  static Reply Classify(int code, const std::string& message,
                        const google::protobuf::RepeatedPtrField<google::protobuf::Any>& details,
                        const std::string& stream) {
    Reply reply;
    reply.message = absl::StrCat(code, " ", message);
    int storage_code = bqs::StorageError::STORAGE_ERROR_CODE_UNSPECIFIED;
    for (const google::protobuf::Any& any : details) {
      bqs::StorageError error;
      if (any.UnpackTo(&error)) storage_code = error.code();
    }
    const auto grpc_code = static_cast<grpc::StatusCode>(code);
    if (storage_code == bqs::StorageError::OFFSET_ALREADY_EXISTS ||
        storage_code == bqs::StorageError::OFFSET_OUT_OF_RANGE ||
        grpc_code == grpc::StatusCode::ALREADY_EXISTS ||
        grpc_code == grpc::StatusCode::OUT_OF_RANGE) {
      reply.kind = Reply::kUnknownEnd;
      reply.already_exists = storage_code == bqs::StorageError::OFFSET_ALREADY_EXISTS ||
                             grpc_code == grpc::StatusCode::ALREADY_EXISTS;
      return reply;
    }
    if (storage_code == bqs::StorageError::STREAM_FINALIZED ||
        storage_code == bqs::StorageError::STREAM_NOT_FOUND ||
        storage_code == bqs::StorageError::INVALID_STREAM_STATE ||
        storage_code == bqs::StorageError::STREAM_ALREADY_COMMITTED ||
        (grpc_code == grpc::StatusCode::NOT_FOUND &&
         storage_code != bqs::StorageError::TABLE_NOT_FOUND) ||
        (grpc_code == grpc::StatusCode::FAILED_PRECONDITION &&
         storage_code == bqs::StorageError::STORAGE_ERROR_CODE_UNSPECIFIED)) {
      // FAILED_PRECONDITION alone is how a server without StorageError
      // details says a stream takes no more rows (finalized, committed):
      // the caller asks the server what the stream is.
      reply.kind = Reply::kStreamProblem;
      reply.finalized = storage_code == bqs::StorageError::STREAM_FINALIZED ||
                        storage_code == bqs::StorageError::STREAM_ALREADY_COMMITTED;
      reply.unexplained = storage_code == bqs::StorageError::STORAGE_ERROR_CODE_UNSPECIFIED;
      reply.status = absl::Status(ToAbslCode(code),
                                  absl::StrCat("BigQuery write stream ", stream, ": ", message));
      return reply;
    }
    // A writer schema ahead of what the stream sees yet: BigQuery takes a
    // while to propagate a table update to its streams.
    if (IsRetriableCode(code) || storage_code == bqs::StorageError::SCHEMA_MISMATCH_EXTRA_FIELDS) {
      reply.kind = Reply::kRetriable;
      return reply;
    }
    reply.kind = Reply::kFatal;
    reply.status = absl::Status(ToAbslCode(code),
                                absl::StrCat("BigQuery AppendRows to ", stream, ": ", message));
    return reply;
  }

  Reply FromResponse(const bqs::AppendRowsResponse& response, const Run& run, size_t chunk_begin,
                     size_t chunk_size) {
    Reply reply;
    const google::rpc::Status& error = response.error();
    if (response.row_errors_size() > 0) {
      std::map<size_t, std::string> bad;
      for (const bqs::RowError& row_error : response.row_errors()) {
        int64_t index = row_error.index();
        if (index < 0 || index >= static_cast<int64_t>(chunk_size)) continue;
        bad[chunk_begin + static_cast<size_t>(index)] = row_error.message();
      }
      if (!bad.empty()) {
        reply.kind = Reply::kRowErrors;
        for (auto& [pos, message] : bad) {
          reply.rejected.push_back(pos);
          reply.messages.push_back(std::move(message));
        }
        return reply;
      }
    }
    return Classify(error.code(), error.message(), error.details(), run.stream);
  }

  Reply FromCallStatus(const grpc::Status& status, const Run& run, bool timed_out) {
    if (timed_out) {
      Reply reply;
      reply.kind = Reply::kRetriable;
      reply.message = absl::StrCat("DEADLINE_EXCEEDED: no AppendRows response within ",
                                   absl::FormatDuration(options_.response_timeout));
      return reply;
    }
    if (status.ok()) {
      Reply reply;
      reply.kind = Reply::kRetriable;
      reply.message = "the server closed the AppendRows call";
      return reply;
    }
    google::rpc::Status details;
    google::protobuf::RepeatedPtrField<google::protobuf::Any> any;
    if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
      any = details.details();
    }
    return Classify(status.error_code(), status.error_message(), any, run.stream);
  }

  bqs::AppendRowsRequest MakeRequest(Stream* stream, const Run& run, size_t begin, size_t end) {
    bqs::AppendRowsRequest request;
    if (stream->schema_sent.empty()) request.set_write_stream(run.stream);
    request.mutable_offset()->set_value(run.Offset(begin));
    auto* proto_rows = request.mutable_proto_rows();
    if (stream->schema_sent != *run.schema_bytes) {
      *proto_rows->mutable_writer_schema()->mutable_proto_descriptor() = *run.descriptor;
    }
    auto* serialized = proto_rows->mutable_rows()->mutable_serialized_rows();
    serialized->Reserve(static_cast<int>(end - begin));
    for (size_t pos = begin; pos < end; ++pos) serialized->Add()->assign(run.rows[run.seq[pos]]);
    return request;
  }

  // Sends seq[confirmed..] in pipelined requests until all landed or one
  // failed; stops at the first failure (later requests in flight are
  // abandoned with the connection: their offsets are past a gap, so none of
  // them can have landed unless the probe that follows finds them).
  Reply Pipeline(Run& run) {
    auto opened = Open(run.stream, /*may_recycle=*/true);
    if (!opened.ok()) return Reply::Fatal(opened.status());
    Stream* stream = *opened;
    struct Sent {
      size_t begin, end;
    };
    std::deque<Sent> in_flight;
    size_t next = run.confirmed;
    while (run.confirmed < run.seq.size()) {
      while (static_cast<int>(in_flight.size()) < std::max(1, options_.max_in_flight) &&
             next < run.seq.size()) {
        size_t end = next;
        int64_t bytes = 0;
        while (end < run.seq.size()) {
          int64_t b = RowBytes(run.rows[run.seq[end]]);
          if (bytes + b > run.budget && end > next) break;
          bytes += b;
          ++end;
        }
        if (!stream->rpc->Write(MakeRequest(stream, run, next, end))) break;
        stream->schema_sent = *run.schema_bytes;
        in_flight.push_back({next, end});
        next = end;
      }
      if (in_flight.empty()) return Broken(run, stream, false);
      bqs::AppendRowsResponse response;
      watchdog_.Arm(stream->context.get(), options_.response_timeout);
      bool ok = stream->rpc->Read(&response);
      bool timed_out = watchdog_.Disarm();
      if (!ok) return Broken(run, stream, timed_out);
      Sent sent = in_flight.front();
      in_flight.pop_front();
      if (!response.has_error()) {
        // Landed at its offset, so everything before it is there too.
        run.confirmed = std::max(run.confirmed, sent.end);
        continue;
      }
      Reply reply = FromResponse(response, run, sent.begin, sent.end - sent.begin);
      if (!in_flight.empty() || reply.kind == Reply::kFatal) {
        Close(stream, CloseMode::kAbort);
        Drop(run.stream);
      }
      return reply;
    }
    return {};
  }

  Reply Broken(const Run& run, Stream* stream, bool timed_out) {
    grpc::Status status = Close(stream, CloseMode::kBroken);
    Drop(run.stream);
    return FromCallStatus(status, run, timed_out);
  }

  // One request with the single row seq[pos], waiting for its response.
  Reply SendOne(Run& run, size_t pos) {
    auto opened = Open(run.stream, /*may_recycle=*/true);
    if (!opened.ok()) return Reply::Fatal(opened.status());
    Stream* stream = *opened;
    if (!stream->rpc->Write(MakeRequest(stream, run, pos, pos + 1))) {
      return Broken(run, stream, false);
    }
    stream->schema_sent = *run.schema_bytes;
    bqs::AppendRowsResponse response;
    watchdog_.Arm(stream->context.get(), options_.response_timeout);
    bool ok = stream->rpc->Read(&response);
    bool timed_out = watchdog_.Disarm();
    if (!ok) return Broken(run, stream, timed_out);
    if (!response.has_error()) return {};
    return FromResponse(response, run, pos, 1);
  }

  // Finds the stream's end among seq[confirmed..] with single-row appends
  // (each either lands exactly at the end, or tells whether the end is below
  // or above it) and sets run.confirmed to it.
  Reply Probe(Run& run) {
    auto classify = [&](size_t pos, int* where) -> std::optional<Reply> {
      Reply r = SendOne(run, pos);
      if (r.kind == Reply::kOk) {
        *where = 0;  // landed: the end was exactly here.
        return std::nullopt;
      }
      if (r.kind == Reply::kUnknownEnd) {
        *where = r.already_exists ? -1 : 1;
        return std::nullopt;
      }
      return r;
    };
    const size_t n = run.seq.size();
    int where = 0;
    if (auto r = classify(run.confirmed, &where)) return *r;
    if (where == 0) {
      run.confirmed += 1;
      return {};
    }
    if (where > 0) {
      return Reply::Fatal(absl::DataLossError(absl::StrCat(
          "BigQuery write stream ", run.stream, " ends before offset ", run.Offset(run.confirmed),
          ", which this connector already had confirmed; rows are missing from it")));
    }
    // Offset seq[confirmed] is there. Is the last one?
    if (run.confirmed + 1 == n) {
      run.confirmed = n;
      return {};
    }
    if (auto r = classify(n - 1, &where)) return *r;
    if (where <= 0) {
      run.confirmed = n;
      return {};
    }
    size_t lo = run.confirmed + 1, hi = n - 2;  // the end is in [lo, hi].
    while (lo <= hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (auto r = classify(mid, &where)) return *r;
      if (where == 0) {
        run.confirmed = mid + 1;
        return {};
      }
      if (where < 0) {
        lo = mid + 1;
      } else {
        if (mid == 0) break;
        hi = mid - 1;
      }
    }
    return Reply::Fatal(absl::InternalError(absl::StrCat(
        "BigQuery write stream ", run.stream, " answered offset probes inconsistently")));
  }

  // A unary call with auth, routing header, deadline and retries.
  template <typename Call>
  absl::Status Unary(const char* method, const std::string& routing, RetryBudget* shared_budget,
                     Call call) {
    RetryBudget own_budget(options_.retries);
    RetryBudget& budget = shared_budget != nullptr ? *shared_budget : own_budget;
    if (budget.spent()) {
      return absl::UnavailableError(absl::StrCat("BigQuery ", method, ": ", budget.NotAttempted()));
    }
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext context;
      context.AddMetadata("x-goog-request-params", routing);
      context.set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoSeconds(options_.response_timeout));
      if (options_.token_source) {
        auto token = options_.token_source->Token();
        if (!token.ok()) return token.status();
        if (!token->empty()) context.AddMetadata("authorization", "Bearer " + *token);
      }
      grpc::Status status = call(&context);
      if (status.ok()) return absl::OkStatus();
      const int n = IsRetriableCode(status.error_code()) ? budget.Take(StatusText(status)) : 0;
      if (n == 0) {
        if (IsRetriableCode(status.error_code())) {
          spdlog::warn("BigQuery {}: giving up after {} attempt(s): {}", method, attempt + 1,
                       StatusText(status));
        }
        return absl::Status(ToAbslCode(status.error_code()),
                            absl::StrCat("BigQuery ", method, ": ", status.error_message()));
      }
      absl::Duration wait = RetryBudget::Backoff(n, options_.retry_wait, options_.max_retry_wait);
      spdlog::warn("BigQuery {}: {}; retrying in {}", method, StatusText(status),
                   absl::FormatDuration(wait));
      absl::SleepFor(wait);  // backoff, not synchronisation.
    }
  }

  StorageWriterOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<bqs::BigQueryWrite::Stub> stub_;
  std::map<std::string, std::unique_ptr<Stream>> streams_;
  Watchdog watchdog_;
};

absl::StatusOr<std::string> StorageWriter::CreateWriteStream(const TableReference& table,
                                                             WriteStreamType type,
                                                             RetryBudget* budget) {
  return impl_->CreateWriteStream(table, type, budget);
}
absl::StatusOr<WriteStreamInfo> StorageWriter::GetWriteStream(const std::string& stream,
                                                              RetryBudget* budget) {
  return impl_->GetWriteStream(stream, budget);
}
absl::StatusOr<int64_t> StorageWriter::FinalizeWriteStream(const std::string& stream,
                                                           RetryBudget* budget) {
  return impl_->FinalizeWriteStream(stream, budget);
}
absl::Status StorageWriter::BatchCommitWriteStreams(const TableReference& table,
                                                    const std::vector<std::string>& streams,
                                                    RetryBudget* budget) {
  return impl_->BatchCommitWriteStreams(table, streams, budget);
}
absl::StatusOr<OffsetAppendResult> StorageWriter::AppendAt(
    const std::string& stream, const google::protobuf::DescriptorProto& descriptor,
    absl::Span<const std::string> rows, int64_t first_offset, RetryBudget* budget) {
  return impl_->AppendAt(stream, descriptor, rows, first_offset, budget);
}
void StorageWriter::CloseStream(const std::string& stream) { impl_->CloseStream(stream); }

absl::StatusOr<std::unique_ptr<StorageWriter>> StorageWriter::Create(StorageWriterOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (auto s = impl->Init(); !s.ok()) return s;
  return std::unique_ptr<StorageWriter>(new StorageWriter(std::move(impl)));
}

StorageWriter::StorageWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StorageWriter::~StorageWriter() = default;

absl::StatusOr<std::vector<RecordResult>> StorageWriter::Append(
    const TableReference& table, const google::protobuf::DescriptorProto& descriptor,
    absl::Span<const std::string> rows, RetryBudget* budget) {
  return impl_->Append(table, descriptor, rows, budget);
}

void StorageWriter::Reset(const TableReference& table) { impl_->Reset(table); }

}  // namespace ferry::bigquery
