#include "emulator/emulator.h"

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "emulator/faults.h"
#include "emulator/rest_api.h"
#include "emulator/store.h"
#include "emulator/table_update.h"
#include "emulator/write_service.h"

namespace ferry::emulator {
namespace {

// Larger than BigQuery's 10 MB AppendRows limit so oversized requests reach the
// service and get BigQuery's error instead of gRPC's RESOURCE_EXHAUSTED.
constexpr int kMaxGrpcMessageBytes = 64 * 1024 * 1024;
// In-flight RPCs get this long to finish before Stop cancels them.
constexpr auto kShutdownGrace = std::chrono::milliseconds(500);

}  // namespace

Emulator::Emulator() = default;

absl::StatusOr<std::unique_ptr<Emulator>> Emulator::Start(const EmulatorOptions& options) {
  std::unique_ptr<Emulator> emulator(new Emulator());
  emulator->host_ = options.host;
  StreamExpiry expiry;
  expiry.pending_ttl_ms = absl::ToInt64Milliseconds(options.pending_stream_ttl);
  expiry.finalized_ttl_ms = absl::ToInt64Milliseconds(options.finalized_stream_ttl);
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options.db_path, expiry);
  if (!store.ok()) return store.status();
  emulator->store_ = *std::move(store);

  emulator->http_server_ = std::make_unique<httplib::Server>();
  emulator->http_server_->set_tcp_nodelay(true);  // small JSON responses, no Nagle delay.
  // Routes registered first win: these precede InstallRestApi's catch-all.
  InstallFaultControl(*emulator->http_server_, emulator->faults_);
  InstallRestFaults(*emulator->http_server_, emulator->faults_);
  InstallTableUpdate(*emulator->http_server_, *emulator->store_,
                     {options.now, options.schema_propagation_delay});
  InstallRestApi(*emulator->http_server_, *emulator->store_);
  if (options.rest_port == 0) {
    emulator->rest_port_ = emulator->http_server_->bind_to_any_port(options.host);
  } else if (emulator->http_server_->bind_to_port(options.host, options.rest_port)) {
    emulator->rest_port_ = options.rest_port;
  } else {
    emulator->rest_port_ = -1;
  }
  if (emulator->rest_port_ <= 0) {
    emulator->http_server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot bind the REST port ", options.host, ":", options.rest_port));
  }
  // The socket is already listening, so requests queue until this thread accepts.
  httplib::Server* http = emulator->http_server_.get();
  emulator->http_thread_ = std::thread([http] { http->listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs, so a Stop() right
  // after Start() would leave that thread running forever: wait for the loop.
  // (cpp-httplib 0.11 offers no notification to wait on.)
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!http->is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::InternalError("the REST server did not start its accept loop");
    }
    std::this_thread::yield();
  }

  emulator->write_service_ = std::make_unique<WriteService>(
      *emulator->store_, emulator->faults_,
      WriteServiceOptions{options.now, options.schema_propagation_delay,
                          options.storage_error_details});
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat(options.host, ":", options.grpc_port),
                           grpc::InsecureServerCredentials(), &emulator->grpc_port_);
  builder.SetMaxReceiveMessageSize(kMaxGrpcMessageBytes);
  builder.RegisterService(emulator->write_service_.get());
  emulator->grpc_server_ = builder.BuildAndStart();
  if (emulator->grpc_server_ == nullptr || emulator->grpc_port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot bind the gRPC port ", options.host, ":", options.grpc_port));
  }
  return emulator;
}

Emulator::~Emulator() { Stop(); }

void Emulator::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return;
  if (http_server_ != nullptr) http_server_->stop();
  if (http_thread_.joinable()) http_thread_.join();
  if (grpc_server_ != nullptr) {
    grpc_server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    grpc_server_->Wait();
  }
  stopped_ = true;
  stopped_cv_.notify_all();
}

void Emulator::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  stopped_cv_.wait(lock, [this] { return stopped_; });
}

std::string Emulator::rest_endpoint() const {
  return absl::StrCat("http://", host_, ":", rest_port_);
}

std::string Emulator::grpc_endpoint() const { return absl::StrCat(host_, ":", grpc_port_); }

}  // namespace ferry::emulator
