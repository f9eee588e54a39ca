#include "replay/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "replay/format.h"

namespace ferry::replay {
namespace {

// floor(done * scale / total) for 0 <= done <= total, total > 0, in integers
// where done * scale cannot overflow.
int64_t Scaled(int64_t done, int64_t total, int64_t scale) {
  if (done <= std::numeric_limits<int64_t>::max() / scale) return done * scale / total;
  return static_cast<int64_t>(static_cast<long double>(done) / total * scale);
}

}  // namespace

std::string RenderProgressLine(const ProgressState& state, const ProgressStyle& style) {
  const int64_t done = std::max<int64_t>(state.done, 0);
  const int64_t total = std::max<int64_t>(state.total, 0);
  const int width = std::max(style.bar_width, 0);
  const bool complete = done >= total;
  const int64_t filled = complete || width == 0 ? width : Scaled(done, total, width);
  const int64_t percent = complete ? 100 : Scaled(done, total, 100);

  std::string line =
      absl::StrCat("[", std::string(filled, '#'), std::string(width - filled, ' '), "] ", percent,
                   "% ", FormatCount(done), "/", FormatCount(total), " ", style.unit);
  const double seconds = absl::ToDoubleSeconds(state.elapsed);
  if (done > 0 && seconds > 0) {
    const double rate = static_cast<double>(done) / seconds;
    absl::StrAppend(&line, "  ", FormatCount(std::llround(rate)), "/s");
    if (!state.finished) {
      const double rest = static_cast<double>(std::max<int64_t>(total - done, 0));
      absl::StrAppend(&line, "  ETA ", FormatShortDuration(absl::Seconds(rest / rate)));
    }
  }
  if (state.finished) absl::StrAppend(&line, "  in ", FormatShortDuration(state.elapsed));
  return line;
}

ProgressBar::ProgressBar(FILE* out, int64_t total, ProgressBarOptions options)
    : out_(out),
      total_(total),
      interactive_(options.interactive.has_value() ? *options.interactive
                                                   : out != nullptr && isatty(fileno(out)) == 1),
      clock_(std::move(options.clock)),
      min_interval_(options.min_interval),
      style_(std::move(options.style)),
      start_(Now()) {}

ProgressBar::~ProgressBar() {
  absl::MutexLock lock(&mu_);
  if (interactive_ && last_draw_.has_value() && !finished_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

absl::Time ProgressBar::Now() const { return clock_ ? clock_() : absl::Now(); }

void ProgressBar::Update(int64_t done) {
  if (!interactive_) return;
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  done_ = done;
  const absl::Time now = Now();
  if (!last_draw_.has_value() || now - *last_draw_ >= min_interval_) DrawLocked(now, false);
}

void ProgressBar::Advance(int64_t delta) {
  if (!interactive_) return;
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  done_ += delta;
  const absl::Time now = Now();
  if (!last_draw_.has_value() || now - *last_draw_ >= min_interval_) DrawLocked(now, false);
}

void ProgressBar::Finish() {
  if (!interactive_) return;
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  DrawLocked(Now(), true);
  finished_ = true;
  std::fputc('\n', out_);
  std::fflush(out_);
}

void ProgressBar::DrawLocked(absl::Time now, bool finished) {
  const std::string line = RenderProgressLine(
      ProgressState{.done = done_, .total = total_, .elapsed = now - start_, .finished = finished},
      style_);
  std::string frame = absl::StrCat("\r", line);
  // Blank out the tail of a longer previous line.
  if (line.size() < last_width_) frame.append(last_width_ - line.size(), ' ');
  last_width_ = line.size();
  last_draw_ = now;
  std::fputs(frame.c_str(), out_);
  std::fflush(out_);
}

}  // namespace ferry::replay
