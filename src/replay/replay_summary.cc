#include "replay/replay_summary.h"

#include <algorithm>
#include <vector>

#include "replay/format.h"

namespace ferry::replay {
namespace {

// Columns in pipeline order: known stages by their Stage value, then the
// names ferry has no Stage for, alphabetically.
bool StageColumnBefore(const std::string& a, const std::string& b) {
  std::optional<errors::Stage> sa = errors::StageFromName(a);
  std::optional<errors::Stage> sb = errors::StageFromName(b);
  if (sa.has_value() != sb.has_value()) return sa.has_value();
  if (sa.has_value() && *sa != *sb) return *sa < *sb;
  return a < b;
}

}  // namespace

std::string_view ReplayOutcomeLabel(ReplayOutcome outcome, bool dry_run) {
  switch (outcome) {
    case ReplayOutcome::kLoaded:
      return dry_run ? "would load" : "loaded";
    case ReplayOutcome::kFailedAgain:
      return dry_run ? "would fail again" : "failed again";
    case ReplayOutcome::kDroppedByTransform:
      return dry_run ? "would be dropped by transform" : "dropped by transform";
    case ReplayOutcome::kNotSelected:
      return "not selected";
    case ReplayOutcome::kUnreadable:
      return "unreadable";
  }
  return "unknown";
}

void ReplaySummary::Add(const DlqEntry& entry, ReplayOutcome outcome) {
  if (outcome == ReplayOutcome::kUnreadable) {
    AddUnreadable();
    return;
  }
  auto [it, inserted] =
      counts_.try_emplace(std::make_pair(entry.stage_name, entry.original.topic), Counts{});
  ++it->second[static_cast<size_t>(outcome)];
}

void ReplaySummary::AddUnreadable() { ++unreadable_; }

void ReplaySummary::Merge(const ReplaySummary& other) {
  for (const auto& [group, counts] : other.counts_) {
    auto [it, inserted] = counts_.try_emplace(group, Counts{});
    for (size_t i = 0; i < counts.size(); ++i) it->second[i] += counts[i];
  }
  unreadable_ += other.unreadable_;
}

int64_t ReplaySummary::Count(ReplayOutcome outcome) const {
  if (outcome == ReplayOutcome::kUnreadable) return unreadable_;
  int64_t n = 0;
  for (const auto& [group, counts] : counts_) n += counts[static_cast<size_t>(outcome)];
  return n;
}

int64_t ReplaySummary::CountForStage(ReplayOutcome outcome, std::string_view stage_name) const {
  if (outcome == ReplayOutcome::kUnreadable) return 0;
  int64_t n = 0;
  for (const auto& [group, counts] : counts_) {
    if (group.first == stage_name) n += counts[static_cast<size_t>(outcome)];
  }
  return n;
}

int64_t ReplaySummary::CountForTopic(ReplayOutcome outcome, std::string_view topic) const {
  if (outcome == ReplayOutcome::kUnreadable) return 0;
  int64_t n = 0;
  for (const auto& [group, counts] : counts_) {
    if (group.second == topic) n += counts[static_cast<size_t>(outcome)];
  }
  return n;
}

int64_t ReplaySummary::Total() const {
  int64_t n = unreadable_;
  for (const auto& [group, counts] : counts_) {
    for (int64_t c : counts) n += c;
  }
  return n;
}

std::string ReplaySummary::RenderTable(const SummaryTableOptions& options) const {
  const bool by_stage = options.columns == SummaryTableOptions::Columns::kByStage;

  // Column keys and their counts per outcome.
  std::map<std::string, Counts> by_column;
  for (const auto& [group, counts] : counts_) {
    Counts& column = by_column.try_emplace(by_stage ? group.first : group.second).first->second;
    for (size_t i = 0; i < counts.size(); ++i) column[i] += counts[i];
  }
  std::vector<std::string> columns;
  for (const auto& [name, counts] : by_column) columns.push_back(name);
  if (by_stage) std::sort(columns.begin(), columns.end(), StageColumnBefore);

  // cells[row][col]; row 0 is the header, col 0 the label; the last column is
  // the total, the last row the totals.
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header = {by_stage ? "by stage" : "by topic"};
  header.insert(header.end(), columns.begin(), columns.end());
  header.push_back("total");
  cells.push_back(std::move(header));
  std::vector<int64_t> column_totals(columns.size() + 1, 0);
  for (ReplayOutcome outcome : kAllReplayOutcomes) {
    std::vector<std::string> row = {std::string(ReplayOutcomeLabel(outcome, options.dry_run))};
    int64_t row_total = 0;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (outcome == ReplayOutcome::kUnreadable) {
        row.push_back("-");
        continue;
      }
      const int64_t n = by_column[columns[c]][static_cast<size_t>(outcome)];
      row.push_back(FormatCount(n));
      row_total += n;
      column_totals[c] += n;
    }
    if (outcome == ReplayOutcome::kUnreadable) row_total = unreadable_;
    row.push_back(FormatCount(row_total));
    column_totals.back() += row_total;
    cells.push_back(std::move(row));
  }
  std::vector<std::string> totals = {"total"};
  for (int64_t n : column_totals) totals.push_back(FormatCount(n));
  cells.push_back(std::move(totals));

  std::vector<size_t> widths(cells.front().size(), 0);
  for (const auto& row : cells) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  for (const auto& row : cells) {
    // The label column is left-aligned, the counts right-aligned, two blanks
    // apart.
    out.append(row[0]);
    out.append(widths[0] - row[0].size(), ' ');
    for (size_t c = 1; c < row.size(); ++c) {
      out.append(2 + widths[c] - row[c].size(), ' ');
      out.append(row[c]);
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace ferry::replay
