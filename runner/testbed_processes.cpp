#include "testbed_processes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace p2p::runner {

namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string system_error(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

PeerProcesses::~PeerProcesses() {
  stop_all();
}

std::size_t PeerProcesses::spawn(const std::vector<std::string>& argv) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error(system_error("cannot make a pipe"));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw std::runtime_error(system_error("cannot make a pipe"));
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    throw std::runtime_error(system_error("cannot start a peer process"));
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the testbed died before the line above
    ::signal(SIGINT, SIG_IGN);                // Ctrl-C is the testbed's to handle; it ends us
    const int null = ::open("/dev/null", O_WRONLY);
    if (::dup2(in[0], 0) < 0 || ::dup2(out[1], 1) < 0 || null < 0 || ::dup2(null, 2) < 0)
      ::_exit(127);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::fcntl(out[0], F_SETFL, ::fcntl(out[0], F_GETFL) | O_NONBLOCK);
  Child c;
  c.pid = pid;
  c.in = in[1];
  c.out = out[0];
  children_.push_back(std::move(c));
  return children_.size() - 1;
}

bool PeerProcesses::send(std::size_t i, std::string_view line) {
  Child& c = children_[i];
  if (c.in < 0) return false;
  std::string text(line);
  text += '\n';
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(c.in, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close_fd(c.in);  // the peer has gone (SIGPIPE is ignored by the command)
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void PeerProcesses::kill(std::size_t i) {
  Child& c = children_[i];
  if (c.pid <= 0) return;
  ::kill(c.pid, SIGKILL);
  ::waitpid(c.pid, nullptr, 0);
  c.pid = -1;
  close_fd(c.in);
  close_fd(c.out);
}

void PeerProcesses::poll(std::chrono::milliseconds timeout,
                         const std::function<void(std::size_t, std::string_view)>& on_line) {
  // A peer that left has closed its output; reap it, so departures leave no zombie behind.
  for (Child& c : children_)
    if (c.out < 0 && c.pid > 0 && ::waitpid(c.pid, nullptr, WNOHANG) == c.pid) {
      c.pid = -1;
      close_fd(c.in);
    }
  std::vector<pollfd> fds;
  std::vector<std::size_t> who;
  for (std::size_t i = 0; i < children_.size(); ++i)
    if (children_[i].out >= 0) {
      fds.push_back(pollfd{children_[i].out, POLLIN, 0});
      who.push_back(i);
    }
  const int r = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
  if (r <= 0) return;  // timeout, or a signal: the caller looks for a stop request
  char buf[65536];
  for (std::size_t k = 0; k < fds.size(); ++k) {
    if (fds[k].revents == 0) continue;
    Child& c = children_[who[k]];
    for (;;) {
      const ssize_t n = ::read(c.out, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;  // EAGAIN: all read for now
      if (n == 0) {      // the peer closed its output: it has exited
        close_fd(c.out);
        break;
      }
      c.partial.append(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (std::size_t nl; (nl = c.partial.find('\n', start)) != std::string::npos; start = nl + 1)
        on_line(who[k], std::string_view(c.partial).substr(start, nl - start));
      c.partial.erase(0, start);
    }
  }
}

void PeerProcesses::stop_all() {
  for (Child& c : children_)
    if (c.pid > 0) ::kill(c.pid, SIGKILL);
  for (Child& c : children_) {
    if (c.pid > 0) ::waitpid(c.pid, nullptr, 0);
    c.pid = -1;
    close_fd(c.in);
    close_fd(c.out);
  }
}

void ensure_descriptors(std::size_t peers) {
  // Two pipe ends per peer, plus the standard streams, the output files and some slack.
  const rlim_t need = static_cast<rlim_t>(2 * peers + 64);
  rlimit lim{};
  if (::getrlimit(RLIMIT_NPROC, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY &&
      lim.rlim_cur < peers + 16)
    throw std::invalid_argument(std::to_string(peers) +
                                " peers need as many processes; the "
                                "limit is " +
                                std::to_string(lim.rlim_cur) + " (ulimit -u)");
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur >= need) return;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < need)
    throw std::invalid_argument(std::to_string(peers) + " peers need " + std::to_string(need) +
                                " file descriptors; the hard limit is " +
                                std::to_string(lim.rlim_max) + " (ulimit -Hn)");
  lim.rlim_cur = need;
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0)
    throw std::invalid_argument(system_error("cannot raise the file descriptor limit"));
}

}  // namespace p2p::runner
