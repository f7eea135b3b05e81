// The engine's stream design in plain C, as a baseline for scripts/bench-engine.ts: one sender
// and one receiver thread in one process, 128 KiB send()/recv() on a tcp4 loopback connection.
// If sockbench is slower than this, the cost is ours; if this is slower than iperf3, it is the
// design (iperf3 beat it by ~8-10 % in interleaved runs on the dev VM).
//
//   gcc -O2 -pthread scripts/stream-baseline.c -o /tmp/stream-baseline
//   /tmp/stream-baseline block|nonblock [seconds] [sender_cpu receiver_cpu]
//
// With the two CPUs, each thread pins itself (as the engine's `affinity` does); npm run bench
// builds and runs it this way beside the engine and iperf3 when a C compiler is installed.
// nonblock: send(MSG_DONTWAIT) and poll(POLLOUT) on EAGAIN, as iperf3's sender does.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { SIZE = 131072 };
static int listener;
static int receiver_cpu = -1;

static void pin(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void *receive(void *unused) {
  (void)unused;
  pin(receiver_cpu);
  int fd = accept(listener, NULL, NULL);
  char *buf = malloc(SIZE);
  while (recv(fd, buf, SIZE, 0) > 0) {}
  free(buf);
  close(fd);
  return NULL;
}

int main(int argc, char **argv) {
  int nonblock = argc > 1 && strcmp(argv[1], "nonblock") == 0;
  double seconds = argc > 2 ? atof(argv[2]) : 4;
  int sender_cpu = argc > 4 ? atoi(argv[3]) : -1;
  receiver_cpu = argc > 4 ? atoi(argv[4]) : -1;
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  listener = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1) || getsockname(listener, (struct sockaddr *)&addr, &len)) {
    perror("listener");
    return 1;
  }
  pthread_t thread;
  pthread_create(&thread, NULL, receive, NULL);
  pin(sender_cpu);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr)) {
    perror("connect");
    return 1;
  }
  char *buf = calloc(1, SIZE);
  long long bytes = 0, waits = 0;
  double start = now();
  while (now() - start < seconds) {
    ssize_t n = send(fd, buf, SIZE, nonblock ? MSG_DONTWAIT : 0);
    if (n < 0 && errno == EAGAIN) {
      struct pollfd p = { .fd = fd, .events = POLLOUT };
      poll(&p, 1, 1000);
      waits++;
      continue;
    }
    if (n <= 0) break;
    bytes += n;
  }
  double elapsed = now() - start;
  printf("%s: %.2f Gbit/s (sender), %lld waits for buffer space\n", nonblock ? "nonblock" : "block", bytes * 8 / elapsed / 1e9, waits);
  shutdown(fd, SHUT_WR);
  pthread_join(thread, NULL);
  close(fd);
  free(buf);
  return 0;
}
