#include "common/http.h"

#include <algorithm>
#include <cctype>

namespace aftershock::common {
namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
               hexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

std::string_view findHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::string HttpRequest::queryParam(std::string_view key) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    if (percentDecode(pair.substr(0, eq)) != key) continue;
    return eq == std::string_view::npos ? std::string{} : percentDecode(pair.substr(eq + 1));
  }
  return {};
}

HttpResponse HttpResponse::json(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(content_type);
  return response;
}

HttpResponse HttpResponse::error(int status, std::string_view message, std::string_view field) {
  nlohmann::json body = {{"error", message}};
  if (!field.empty()) body["field"] = field;
  return json(status, body);
}

Result<ParsedUrl> parseUrl(std::string_view url) {
  constexpr std::string_view kHttp = "http://";
  constexpr std::string_view kHttps = "https://";
  const bool secure = url.substr(0, kHttps.size()) == kHttps;
  if (!secure && url.substr(0, kHttp.size()) != kHttp) {
    return makeError(ErrorCode::kInvalid,
                     "url '" + std::string(url) + "' must start with http:// or https://");
  }
  std::string_view rest = url.substr(secure ? kHttps.size() : kHttp.size());
  const auto slash = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, slash);
  std::string target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (target.front() == '?') target.insert(0, "/");
  if (authority.empty()) {
    return makeError(ErrorCode::kInvalid, "url '" + std::string(url) + "' has no host");
  }
  ParsedUrl parsed;
  parsed.secure = secure;
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || authority.back() == ']') {
    parsed.host = std::string(authority);
    parsed.port = secure ? "443" : "80";
  } else {
    parsed.host = std::string(authority.substr(0, colon));
    parsed.port = std::string(authority.substr(colon + 1));
    const bool numeric = !parsed.port.empty() && parsed.port.size() <= 5 &&
                         std::all_of(parsed.port.begin(), parsed.port.end(), [](char c) {
                           return std::isdigit(static_cast<unsigned char>(c));
                         });
    if (!numeric || std::stoi(parsed.port) > 65535 || parsed.host.empty()) {
      return makeError(ErrorCode::kInvalid,
                       "url '" + std::string(url) + "' has an invalid host or port");
    }
  }
  if (parsed.host.size() > 2 && parsed.host.front() == '[' && parsed.host.back() == ']') {
    parsed.host = parsed.host.substr(1, parsed.host.size() - 2);
  }
  parsed.target = std::move(target);
  return parsed;
}

Result<ParsedUrl> parseHttpUrl(std::string_view url) {
  auto parsed = parseUrl(url);
  if (parsed.ok() && parsed->secure) {
    return makeError(ErrorCode::kInvalid, "url '" + std::string(url) + "' must start with http://");
  }
  return parsed;
}

}  // namespace aftershock::common
