// ScaleDown: sets a Deployment's or StatefulSet's replicas to spec.fault.scaleDown.replicas
// through the /scale subresource (as `kubectl scale` does), holds it, then restores the
// replica count recorded at plan time. Every write sets an absolute value, so repeating a step
// after a restart is harmless.
//
// Not handled: a HorizontalPodAutoscaler on the target fights the scale-down (it sets replicas
// back within its sync period); such a target is better hit with PodDelete.
#pragma once

#include <memory>

#include "operator/faults/fault.h"

namespace aftershock::op {

std::unique_ptr<Fault> makeScaleDownFault();

}  // namespace aftershock::op
