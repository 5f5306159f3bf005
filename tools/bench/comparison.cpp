#include "comparison.hpp"

#include <cstdio>
#include <sstream>

#include "stats.hpp"

namespace pss::bench {

namespace {

// The label column fits the longest label.
constexpr const char* line_format = "%-72s %-6s %12s %12s %8s  %s\n";

// The median of `key` over the samples that have it.
double median_of(const std::vector<sample>& from, const std::string& key) {
  std::vector<double> values;
  for (auto& smp : from) {
    auto at = smp.find(key);
    if (at != smp.end())
      values.push_back(at->second);
  }
  return median(values);
}

} // namespace

std::string fmt(double x, int precision) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(precision);
  out << x;
  return out.str();
}

std::string table_header() {
  char header[256];
  std::snprintf(header, sizeof(header), line_format,
                "figure (medians of rounds; ratio = pss / baseline)", "packet",
                "baseline", "pss", "ratio", "target");
  return header;
}

void record_busy(sample& out, const std::string& key, const load_result& res,
                 double cpu_us) {
  if (res.elapsed_s <= 0)
    return;
  out[key + "_client_busy"] = res.client_cpu_s / res.elapsed_s;
  out[key + "_server_busy"]
      = cpu_us * 1e-6 * static_cast<double>(res.count) / res.elapsed_s;
}

void add_figure(figure& fig, const std::vector<sample>& base,
                const std::vector<sample>& mine, const std::string& packet,
                report& out) {
  // A figure's rounds: the rounds where both sides measured it (a server
  // that did not start has no values, and its error is counted).
  std::vector<double> round_ratios;
  for (size_t r = 0; r < base.size() && r < mine.size(); ++r) {
    auto b = base[r].find(fig.key);
    auto p = mine[r].find(fig.key);
    if (b != base[r].end())
      fig.baseline.push_back(b->second);
    if (p != mine[r].end())
      fig.pss.push_back(p->second);
    // The ratio is the median of each round's ratio: the servers of a
    // round ran seconds apart, so a noisy neighbour that slows one round
    // slows both of its figures, not one side of the comparison.
    if (b != base[r].end() && p != mine[r].end() && b->second != 0)
      round_ratios.push_back(p->second / b->second);
  }
  auto base_median = median(fig.baseline);
  auto pss_median = median(fig.pss);
  auto ratio = median(round_ratios);
  json entry;
  entry["figure"] = fig.key;
  entry["mode"] = fig.mode;
  entry["packet"] = packet;
  entry["label"] = fig.label;
  entry["unit"] = fig.unit;
  entry["baseline"] = base_median;
  entry["pss"] = pss_median;
  entry["ratio"] = ratio;
  entry["round_ratios"] = round_ratios;
  entry["target"] = fig.target;
  entry["baseline_rounds"] = fig.baseline;
  entry["pss_rounds"] = fig.pss;
  // How busy the client and the server were (CPU time over wall time,
  // medians): a side near 1.0 bounded that server's rate.
  if (!fig.busy_note.empty()) {
    std::string busy[2][2];
    for (int side = 0; side < 2; ++side) {
      auto name = side == 0 ? "client" : "server";
      auto key = fig.key + "_" + name + "_busy";
      auto b = median_of(base, key);
      auto p = median_of(mine, key);
      entry[std::string{"baseline_"} + name + "_busy"] = b;
      entry[std::string{"pss_"} + name + "_busy"] = p;
      busy[side][0] = fmt(100 * b);
      busy[side][1] = fmt(100 * p);
    }
    out.notes += "  " + fig.busy_note + ", packet " + packet + ": client busy "
                 + busy[0][0] + "% / " + busy[0][1] + "%, server busy "
                 + busy[1][0] + "% / " + busy[1][1] + "% (baseline / pss)\n";
  }
  out.results.push_back(entry);
  char line[256];
  std::snprintf(
      line, sizeof(line), line_format, fig.label.c_str(), packet.c_str(),
      fig.baseline.empty() ? "-" : fmt(base_median, 1).c_str(),
      fig.pss.empty() ? "-" : fmt(pss_median, 1).c_str(),
      !fig.show_ratio || round_ratios.empty() ? "-" : fmt(ratio, 2).c_str(),
      fig.target.c_str());
  out.table += line;
}

} // namespace pss::bench
