/*
 * ko-client: the thin client of ko-jvm's build server (src/main/java/dev/ko/server). Installed
 * as the distribution's bin/ko. It sends the command line, the working directory, the whole
 * environment and the locale's codeset to the user's server over a Unix domain socket, then
 * copies the server's stdout and stderr frames to its own, gives it standard input when asked,
 * and exits with the server's exit code. SIGINT, SIGTERM and SIGHUP are passed on as a cancel; the
 * client exits with 128 + the signal once the server has stopped the run, as a JVM would.
 *
 * It runs ko cold (lib/ko-cold, the JVM launcher) when KO_SERVER=0, when CI is set and KO_SERVER
 * is not 1, and whenever the server cannot be used: a socket directory that is not the user's
 * alone, a server that does not start or does not answer. A missing or dead server is started
 * (detached, in its own session, output to the log under the cache directory) and the request
 * retried. Protocol: see Protocol.java; its version is part of the socket's name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROTOCOL 1
#define MAX_FRAME (16 << 20)

extern char **environ;

static char home[PATH_MAX];
static char **args;
static int nargs;
static int signal_pipe[2] = {-1, -1};
static volatile sig_atomic_t got_signal;

static void die_cold(void);

static void on_signal(int sig) {
  int saved = errno;
  if (!got_signal) got_signal = sig;
  if (signal_pipe[1] >= 0) {
    char c = (char)sig;
    ssize_t unused = write(signal_pipe[1], &c, 1);
    (void)unused;
  }
  errno = saved;
}

/* Runs ko cold: lib/ko-cold with KO_SERVER=0 (so it does not come back here). */
static void die_cold(void) {
  char cold[PATH_MAX + 32];
  snprintf(cold, sizeof cold, "%s/lib/ko-cold", home);
  setenv("KO_SERVER", "0", 1);
  char **argv = calloc((size_t)nargs + 2, sizeof *argv);
  argv[0] = cold;
  for (int i = 0; i < nargs; i++) argv[i + 1] = args[i];
  execv(cold, argv);
  fprintf(stderr, "ko: cannot run %s: %s\n", cold, strerror(errno));
  exit(1);
}

static int mkdirs(const char *path) {
  char p[PATH_MAX];
  if (strlen(path) >= sizeof p) return -1;
  strcpy(p, path);
  for (char *s = p + 1; *s; s++) {
    if (*s == '/') {
      *s = 0;
      if (mkdir(p, 0700) != 0 && errno != EEXIST) return -1;
      *s = '/';
    }
  }
  if (mkdir(p, 0700) != 0 && errno != EEXIST) return -1;
  return 0;
}

/* The directory must be a directory of ours that nobody else may open. */
static int private_dir(const char *dir) {
  struct stat st;
  if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) return 0;
  if ((st.st_mode & 077) != 0 && chmod(dir, 0700) != 0) return 0;
  return 1;
}

static uint64_t fnv1a(uint64_t h, const char *s) {
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

static const char *env_or(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return v && *v ? v : fallback;
}

static int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int send_frame(int fd, char type, const void *payload, uint32_t n) {
  unsigned char head[5] = {(unsigned char)type, n >> 24, n >> 16, n >> 8, n};
  if (write_all(fd, head, 5) != 0) return -1;
  return n ? write_all(fd, payload, n) : 0;
}

static int send_int(int fd, char type, uint32_t v) {
  unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
  return send_frame(fd, type, b, 4);
}

/* A growable request buffer. */
static unsigned char *req;
static size_t req_len, req_cap;

static void put(const void *p, size_t n) {
  if (req_len + n > req_cap) {
    req_cap = (req_len + n) * 2 + 4096;
    req = realloc(req, req_cap);
    if (!req) exit(1);
  }
  memcpy(req + req_len, p, n);
  req_len += n;
}

static void put_int(uint32_t v) {
  unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
  put(b, 4);
}

static void put_string(const char *s) {
  size_t n = strlen(s);
  put_int((uint32_t)n);
  put(s, n);
}

static int sock_connect(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

/* Starts the server detached: its own session, its output appended to the log. */
static void start_server(const char *socket_path, const char *log_path) {
  pid_t child = fork();
  if (child < 0) return;
  if (child == 0) {
    setsid();
    if (fork() != 0) _exit(0);
    int devnull = open("/dev/null", O_RDONLY);
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (devnull >= 0) dup2(devnull, 0);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    if (chdir("/") != 0) _exit(1);
    char server[PATH_MAX + 32];
    snprintf(server, sizeof server, "%s/lib/ko-server", home);
    /* The server's own locale: file names in UTF-8, whatever the first client's locale was. */
    setenv("LC_ALL", "C.UTF-8", 1);
    const char *idle = env_or("KO_SERVER_IDLE_TIMEOUT", "10800");
    execl(server, server, "--socket", socket_path, "--idle-timeout", idle, (char *)NULL);
    _exit(127);
  }
  waitpid(child, NULL, 0);
}

/* Waits until fd is readable; a signal meanwhile is sent to the server as a cancel once. */
static int cancel_sent;
static int wait_readable(int fd, int sock, int timeout_ms) {
  for (;;) {
    if (got_signal && !cancel_sent && sock >= 0) {
      /* The signal's own wake-up is drained first: only a later signal ends the wait. */
      char drain[16];
      while (read(signal_pipe[0], drain, sizeof drain) > 0) {
      }
      cancel_sent = 1;
      send_int(sock, 'C', (uint32_t)got_signal);
    }
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = signal_pipe[0], .events = POLLIN}};
    int r = poll(p, 2, timeout_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return 0;
    if (p[1].revents & POLLIN) {
      char drain[16];
      ssize_t unused = read(signal_pipe[0], drain, sizeof drain);
      (void)unused;
      if (got_signal && cancel_sent) {
        /* A signal after the cancel was sent: stop waiting for the server. */
        exit(128 + got_signal);
      }
      continue;
    }
    if (p[0].revents) return 1;
  }
}

/* Reads exactly n bytes from the socket; -1 at the end of the connection. */
static int read_full(int sock, void *buf, size_t n, int timeout_ms) {
  char *p = buf;
  while (n > 0) {
    int w = wait_readable(sock, sock, timeout_ms);
    if (w <= 0) return -1;
    ssize_t r = read(sock, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

int main(int argc, char **argv) {
  args = argv + 1;
  nargs = argc - 1;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    fprintf(stderr, "ko: cannot find its own executable\n");
    return 1;
  }
  exe[n] = 0;
  /* home/bin/ko -> home */
  char *slash = strrchr(exe, '/');
  if (slash) *slash = 0;
  slash = strrchr(exe, '/');
  if (slash) *slash = 0;
  snprintf(home, sizeof home, "%s", exe);

  int control = nargs == 2 && strcmp(args[0], "server") == 0;
  /* Commands that may run again, cold, when the server dies before their result: a push of the
     same image is the same push, and kubectl apply is idempotent; create, run and delete are not. */
  int repeatable = 0;
  for (int i = 0; i < nargs; i++) {
    if (args[i][0] == '-') continue;
    repeatable = strcmp(args[i], "build") == 0 || strcmp(args[i], "publish") == 0 ||
                 strcmp(args[i], "resolve") == 0 || strcmp(args[i], "apply") == 0;
    break;
  }
  const char *ko_server = env_or("KO_SERVER", "");
  if (!control) {
    if (strcmp(ko_server, "0") == 0) die_cold();
    if (*env_or("CI", "") && strcmp(ko_server, "1") != 0) die_cold();
  }

  /* Where the socket and the log are. */
  const char *user_home = getenv("HOME");
  if (!user_home || !*user_home) {
    struct passwd *pw = getpwuid(geteuid());
    user_home = pw ? pw->pw_dir : "/";
  }
  char cache[PATH_MAX], logdir[PATH_MAX + 16], sockdir[PATH_MAX + 16], sockpath[PATH_MAX + 64];
  char logpath[PATH_MAX + 128];
  const char *xdg_cache = getenv("XDG_CACHE_HOME");
  if (xdg_cache && *xdg_cache == '/')
    snprintf(cache, sizeof cache, "%s/ko-jvm", xdg_cache);
  else
    snprintf(cache, sizeof cache, "%s/.cache/ko-jvm", user_home);
  snprintf(logdir, sizeof logdir, "%s/server", cache);
  const char *override = getenv("KO_SERVER_SOCKET");
  uint64_t h = 0;
  if (override && *override) {
    snprintf(sockpath, sizeof sockpath, "%s", override);
    snprintf(sockdir, sizeof sockdir, "%s", override);
    char *s = strrchr(sockdir, '/');
    if (s) *s = 0;
    h = fnv1a(14695981039346656037ULL, override);
  } else {
    char idfile[PATH_MAX + 32], id[128] = "";
    snprintf(idfile, sizeof idfile, "%s/lib/ko.jar.id", home);
    FILE *f = fopen(idfile, "r");
    if (!f) die_cold();
    if (!fgets(id, sizeof id, f)) id[0] = 0;
    fclose(f);
    id[strcspn(id, "\n")] = 0;
    char proto[16];
    snprintf(proto, sizeof proto, "%d", PROTOCOL);
    h = fnv1a(14695981039346656037ULL, "ko-jvm-server/");
    h = fnv1a(h, proto);
    h = fnv1a(h, "/");
    h = fnv1a(h, id);
    h = fnv1a(h, "/");
    h = fnv1a(h, home); /* the runtime, java.home, is home/runtime */
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    if (runtime && *runtime == '/')
      snprintf(sockdir, sizeof sockdir, "%s/ko-jvm", runtime);
    else
      snprintf(sockdir, sizeof sockdir, "%s", logdir);
    snprintf(sockpath, sizeof sockpath, "%s/ko-%016llx.sock", sockdir, (unsigned long long)h);
  }
  if (override && *override)
    snprintf(logpath, sizeof logpath, "%s.log", sockpath); /* a socket the caller chose */
  else
    snprintf(logpath, sizeof logpath, "%s/ko-%016llx.log", logdir, (unsigned long long)h);
  if (strlen(sockpath) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    if (control) {
      fprintf(stderr, "ko: socket path too long: %s\n", sockpath);
      return 1;
    }
    die_cold();
  }
  if (mkdirs(sockdir) != 0 || !private_dir(sockdir)) {
    if (control) {
      fprintf(stderr, "ko: %s is not a private directory of this user\n", sockdir);
      return 1;
    }
    die_cold();
  }
  struct stat st;
  if (lstat(sockpath, &st) == 0 && (st.st_uid != geteuid() || !S_ISSOCK(st.st_mode))) {
    if (control) {
      fprintf(stderr, "ko: %s is not this user's socket\n", sockpath);
      return 1;
    }
    die_cold();
  }

  int sock = sock_connect(sockpath);
  if (sock < 0 && control) {
    if (errno == ENOENT || errno == ECONNREFUSED) {
      printf("ko: no build server running (socket %s)\n", sockpath);
      return strcmp(args[1], "stop") == 0 ? 0 : 3;
    }
    fprintf(stderr, "ko: cannot connect to %s: %s\n", sockpath, strerror(errno));
    return 1;
  }
  if (sock < 0) {
    if (errno != ENOENT && errno != ECONNREFUSED) die_cold();
    if (!(override && *override) && (mkdirs(logdir) != 0 || !private_dir(logdir))) die_cold();
    start_server(sockpath, logpath);
    struct timespec delay = {0, 5 * 1000 * 1000};
    for (int waited_ms = 0; waited_ms < 20000; waited_ms += (int)(delay.tv_nsec / 1000000)) {
      nanosleep(&delay, NULL);
      sock = sock_connect(sockpath);
      if (sock >= 0) break;
      if (errno != ENOENT && errno != ECONNREFUSED) break;
      if (delay.tv_nsec < 50 * 1000 * 1000) delay.tv_nsec *= 2;
    }
    if (sock < 0) die_cold();
  }

  if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) die_cold();
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  /* The request. */
  setlocale(LC_CTYPE, "");
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) die_cold();
  put_int(PROTOCOL);
  put_string(nl_langinfo(CODESET));
  put_string(cwd);
  put_int((uint32_t)nargs);
  for (int i = 0; i < nargs; i++) put_string(args[i]);
  int envc = 0;
  for (char **e = environ; *e; e++) envc++;
  put_int((uint32_t)envc);
  for (char **e = environ; *e; e++) put_string(*e);
  if (send_frame(sock, 'R', req, (uint32_t)req_len) != 0) die_cold();

  int accepted = 0, produced = 0, stdin_wanted = 0, stdin_eof = 0;
  uint32_t stdin_max = 65536;
  unsigned char *buf = malloc(65536 + 16);
  size_t bufcap = 65536;
  for (;;) {
    /* Standard input is read only while the server waits for it, and never instead of the
       server's frames: a run may end (kubectl gone) while our input has nothing to give. */
    if (stdin_wanted && !stdin_eof && !got_signal) {
      struct pollfd p[3] = {{.fd = sock, .events = POLLIN},
                            {.fd = 0, .events = POLLIN},
                            {.fd = signal_pipe[0], .events = POLLIN}};
      int r = poll(p, 3, -1);
      if (r < 0 && errno != EINTR) break;
      if (r <= 0 || p[2].revents) continue; /* a signal: the frame loop sends the cancel */
      if (!(p[0].revents) && p[1].revents) {
        char *in = malloc(stdin_max);
        ssize_t n;
        do n = read(0, in, stdin_max); while (n < 0 && errno == EINTR);
        if (n <= 0) {
          n = 0;
          stdin_eof = 1;
        }
        send_frame(sock, 'I', in, (uint32_t)n);
        free(in);
        stdin_wanted--;
        continue;
      }
    }
    unsigned char head[5];
    /* A server that does not accept within 10 s is broken: run cold instead. */
    if (read_full(sock, head, 5, accepted ? -1 : 10000) != 0) break;
    uint32_t len = (uint32_t)head[1] << 24 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 8 | head[4];
    if (len > MAX_FRAME) break;
    if (len > bufcap) {
      bufcap = len;
      buf = realloc(buf, bufcap);
      if (!buf) exit(1);
    }
    if (read_full(sock, buf, len, -1) != 0) break;
    uint32_t v = len >= 4 ? (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3] : 0;
    switch (head[0]) {
      case 'A':
        accepted = 1;
        break;
      case 'O':
        produced = 1;
        repeatable = 0; /* a result half given cannot be given again */
        write_all(1, buf, len);
        break;
      case 'E':
        produced = 1;
        write_all(2, buf, len);
        break;
      case 'N':
        produced = 1;
        repeatable = 0; /* standard input consumed: the run cannot be repeated */
        stdin_max = v < 1 ? 1 : v > 65536 ? 65536 : v;
        if (stdin_eof) {
          send_frame(sock, 'I', NULL, 0);
        } else {
          stdin_wanted++;
        }
        break;
      case 'X':
        if (got_signal) return 128 + got_signal;
        return (int)v;
      default:
        break;
    }
  }
  /* The connection ended without an exit code. */
  if (got_signal) return 128 + got_signal;
  if (!control && (!produced || repeatable)) {
    close(sock);
    if (produced) {
      /* Only log lines so far: the same run, cold, finishes the job (what it had pushed stays). */
      fprintf(stderr, "ko: the build server went away (its log: %s); running again without it\n",
              logpath);
    }
    die_cold();
  }
  fprintf(stderr, "ko: the build server went away (its log: %s)\n", logpath);
  return 1;
}
