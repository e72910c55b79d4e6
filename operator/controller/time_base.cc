#include "operator/controller/time_base.h"

#include "operator/kube/kube_time.h"

namespace aftershock::op {

std::string TimeBase::format(common::SteadyTime time) const { return formatMilliTime(wall(time)); }

std::optional<common::SteadyTime> TimeBase::parse(std::string_view timestamp) const {
  const std::optional<common::SystemTime> time = parseTime(timestamp);
  if (!time) return std::nullopt;
  return steady(*time);
}

}  // namespace aftershock::op
