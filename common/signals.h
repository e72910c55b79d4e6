// Orderly shutdown on SIGTERM/SIGINT: block the signals before any thread starts (threads
// inherit the mask), then wait for one on the main thread.
#pragma once

namespace aftershock::common {

class TerminationSignals {
 public:
  // Blocks SIGTERM and SIGINT in the calling thread. Construct first thing in main().
  TerminationSignals();
  // Waits until SIGTERM or SIGINT arrives; returns the signal number.
  int wait();
};

}  // namespace aftershock::common
