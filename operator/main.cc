// aftershock-operator: placeholder until the controller lands. Exits non-zero so nobody
// mistakes it for a working operator.
#include <iostream>

int main() {
  std::cerr << "aftershock-operator: the controller is not implemented yet\n";
  return 2;
}
