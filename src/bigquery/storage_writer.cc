#include "bigquery/storage_writer.h"

#include <google/protobuf/io/coded_stream.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/cloud/bigquery/storage/v1/storage.grpc.pb.h"

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

  void Reset(const TableReference& table) {
    auto it = streams_.find(table.StoragePath());
    if (it == streams_.end()) return;
    Close(it->second.get(), CloseMode::kGraceful);
    streams_.erase(it);
  }

  absl::StatusOr<std::vector<RecordResult>> Append(
      const TableReference& table, const google::protobuf::DescriptorProto& descriptor,
      absl::Span<const std::string> rows) {
    std::vector<RecordResult> results(rows.size());
    const std::string stream_name = table.StoragePath() + "/streams/_default";
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

    std::string last_error;
    for (int attempt = 0;; ++attempt) {
      std::deque<Chunk> retry;
      absl::Status fatal = Pass(table, stream_name, descriptor, schema_bytes, rows, &pending,
                                &retry, &results, &last_error);
      if (!fatal.ok()) return fatal;
      if (retry.empty()) break;
      if (attempt >= options_.retries) {
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
      absl::Duration wait = options_.retry_wait * (int64_t{1} << std::min(attempt, 20));
      absl::SleepFor(std::min(wait, options_.max_retry_wait));  // backoff, not synchronisation.
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

  absl::StatusOr<Stream*> Open(const TableReference& table, const std::string& stream_name,
                               bool may_recycle) {
    const std::string path = table.StoragePath();
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

  void Drop(const TableReference& table) {
    auto it = streams_.find(table.StoragePath());
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
      auto opened = Open(table, stream_name, /*may_recycle=*/in_flight.empty());
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
            Drop(table);
            return s;
          }
          reconnected = false;
        }
      }
      if (!broken) continue;

      grpc::Status status = Close(stream, CloseMode::kBroken);
      Drop(table);
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

  StorageWriterOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<bqs::BigQueryWrite::Stub> stub_;
  std::map<std::string, std::unique_ptr<Stream>> streams_;
  Watchdog watchdog_;
};

absl::StatusOr<std::unique_ptr<StorageWriter>> StorageWriter::Create(StorageWriterOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (auto s = impl->Init(); !s.ok()) return s;
  return std::unique_ptr<StorageWriter>(new StorageWriter(std::move(impl)));
}

StorageWriter::StorageWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StorageWriter::~StorageWriter() = default;

absl::StatusOr<std::vector<RecordResult>> StorageWriter::Append(
    const TableReference& table, const google::protobuf::DescriptorProto& descriptor,
    absl::Span<const std::string> rows) {
  return impl_->Append(table, descriptor, rows);
}

void StorageWriter::Reset(const TableReference& table) { impl_->Reset(table); }

}  // namespace ferry::bigquery
