// TimeBase: converts between the monotonic clock the measurements use and the wall-clock
// timestamps the status shows. Intervals measured inside one process come from the monotonic
// clock with its full resolution; a timestamp written by an earlier process (before a restart)
// is mapped back through the wall clock, the only time two processes share.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace aftershock::op {

class TimeBase {
 public:
  explicit TimeBase(const common::Clock& clock)
      : steady_anchor_(clock.now()), wall_anchor_(clock.wallNow()) {}

  common::SystemTime wall(common::SteadyTime time) const {
    return wall_anchor_ +
           std::chrono::duration_cast<common::SystemTime::duration>(time - steady_anchor_);
  }
  common::SteadyTime steady(common::SystemTime time) const {
    return steady_anchor_ + std::chrono::duration_cast<common::Duration>(time - wall_anchor_);
  }
  // formatMilliTime(wall(time)).
  std::string format(common::SteadyTime time) const;
  // The steady time of a status timestamp; nullopt for an empty or malformed one.
  std::optional<common::SteadyTime> parse(std::string_view timestamp) const;

 private:
  common::SteadyTime steady_anchor_;
  common::SystemTime wall_anchor_;
};

}  // namespace aftershock::op
