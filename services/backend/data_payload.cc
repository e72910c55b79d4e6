// The GET /data payload.
#include "services/backend/data_payload.h"

#include <array>
#include <ctime>

namespace aftershock::backend {

nlohmann::json makeDataPayload(std::uint64_t request_id, std::string_view instance,
                               common::SystemTime served_at) {
  struct Item {
    int id;
    std::string_view name;
    double price;
  };
  static constexpr std::array<Item, 4> kItems = {{{1, "seismometer", 1299.0},
                                                  {2, "accelerometer", 349.5},
                                                  {3, "tiltmeter", 799.0},
                                                  {4, "strain gauge", 89.9}}};
  nlohmann::json items = nlohmann::json::array();
  for (const Item& item : kItems) {
    items.push_back({{"id", item.id}, {"name", item.name}, {"price", item.price}});
  }
  return {{"id", request_id},
          {"items", std::move(items)},
          {"instance", instance},
          {"served_at", formatRfc3339(served_at)}};
}

std::string formatRfc3339(common::SystemTime time) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  const auto fraction = static_cast<int>(millis % 1000);
  std::string result(text.data(), length);
  result += '.';
  result += static_cast<char>('0' + fraction / 100);
  result += static_cast<char>('0' + fraction / 10 % 10);
  result += static_cast<char>('0' + fraction % 10);
  result += 'Z';
  return result;
}

}  // namespace aftershock::backend
