// cpprestsdk's http_listener answering a fixed JSON body: the alternative server the
// project measured before choosing Boost.Beast (see README, "Benchmarks").
//   reference-cpprest-server <port>
#include <cpprest/http_listener.h>
#include <signal.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: reference-cpprest-server <port>\n";
    return 2;
  }
  web::http::experimental::listener::http_listener listener(U("http://127.0.0.1:") +
                                                            utility::string_t(argv[1]));
  const web::json::value body =
      web::json::value::parse(R"({"id":1,"items":["alpha","beta","gamma"]})");
  listener.support(web::http::methods::GET,
                   [&body](const web::http::http_request& request) { request.reply(200, body); });
  listener.open().wait();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int signal_number = 0;
  sigwait(&set, &signal_number);
  listener.close().wait();
}
