#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ferry::replay {

// One moment of a replay's progress.
struct ProgressState {
  // Offsets gone through and to go through, summed over the DLQ partitions
  // (end offset - start offset each). Counted in offsets, not records, so
  // that transaction markers and compacted-away offsets still add up to 100%.
  int64_t done = 0;
  int64_t total = 0;
  absl::Duration elapsed;  // since the replay started.
  bool finished = false;
};

struct ProgressStyle {
  int bar_width = 10;
  std::string unit = "DLQ records";
};

// The progress line, without '\r' or '\n':
//   "[#####     ] 52% 5,200/10,000 DLQ records  1,234/s  ETA 4s"
// The bar and percentage are rounded down and capped at 100% (a total of 0 is
// 100%); the rate is done / elapsed, rounded, shown once both are positive;
// the ETA is the rest at that rate, rounded up (format.h). Once finished, the
// ETA gives way to the time taken: "... 1,250/s  in 8s".
std::string RenderProgressLine(const ProgressState& state, const ProgressStyle& style = {});

struct ProgressBarOptions {
  // Whether to draw at all; nullopt decides by isatty(fileno(out)), so a
  // redirected or piped stream gets no progress (and no carriage returns).
  std::optional<bool> interactive;
  // Time source; null means absl::Now.
  std::function<absl::Time()> clock;
  // Redraws at most this often (Finish() always draws).
  absl::Duration min_interval = absl::Milliseconds(100);
  ProgressStyle style;
};

// Draws RenderProgressLine() in place ('\r', padded over a longer previous
// line) on a terminal. Thread-safe: every task may report into one bar. Does
// not own `out`, which must outlive it.
class ProgressBar {
 public:
  ProgressBar(FILE* out, int64_t total, ProgressBarOptions options = {});
  // Ends a drawn line that Finish() did not, so later output starts on a line
  // of its own.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool interactive() const { return interactive_; }

  // Sets the count done / adds to it; redraws if min_interval has passed since
  // the last draw (the first call always draws).
  void Update(int64_t done);
  void Advance(int64_t delta);
  // Draws the final line and a newline; later calls do nothing.
  void Finish();

 private:
  absl::Time Now() const;
  void DrawLocked(absl::Time now, bool finished) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  FILE* const out_;
  const int64_t total_;
  const bool interactive_;
  const std::function<absl::Time()> clock_;
  const absl::Duration min_interval_;
  const ProgressStyle style_;
  const absl::Time start_;

  absl::Mutex mu_;
  int64_t done_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<absl::Time> last_draw_ ABSL_GUARDED_BY(mu_);
  size_t last_width_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ferry::replay
