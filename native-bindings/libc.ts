import koffi from 'koffi';

// Every libc prototype the service uses, declared once. Wrappers in index.ts check results;
// nothing outside native-bindings/ calls these directly.
const libc = koffi.load('libc.so.6');

export const c = {
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  bind: libc.func('int bind(int fd, const void *addr, uint32_t addrlen)'),
  listen: libc.func('int listen(int fd, int backlog)'),
  accept4: libc.func('int accept4(int fd, _Out_ void *addr, _Inout_ uint32_t *addrlen, int flags)'),
  connect: libc.func('int connect(int fd, const void *addr, uint32_t addrlen)'),
  getsockname: libc.func('int getsockname(int fd, _Out_ void *addr, _Inout_ uint32_t *addrlen)'),
  getpeername: libc.func('int getpeername(int fd, _Out_ void *addr, _Inout_ uint32_t *addrlen)'),
  setsockopt: libc.func('int setsockopt(int fd, int level, int optname, const void *optval, uint32_t optlen)'),
  getsockopt: libc.func('int getsockopt(int fd, int level, int optname, _Out_ void *optval, _Inout_ uint32_t *optlen)'),
  shutdown: libc.func('int shutdown(int fd, int how)'),
  close: libc.func('int close(int fd)'),
  send: libc.func('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
  recv: libc.func('intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)'),
  sendto: libc.func('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)'),
  recvfrom: libc.func('intptr_t recvfrom(int fd, _Out_ void *buf, size_t len, int flags, _Out_ void *addr, _Inout_ uint32_t *addrlen)'),
  // The msghdr is built by hand (message.ts): its pointers are the addresses of buffers it owns.
  recvmsg: libc.func('intptr_t recvmsg(int fd, void *msg, int flags)'),
  sendfile: libc.func('intptr_t sendfile(int out_fd, int in_fd, void *offset, size_t count)'),
  memfd_create: libc.func('int memfd_create(const char *name, unsigned int flags)'),
  write: libc.func('intptr_t write(int fd, const void *buf, size_t count)'),
  getrusage: libc.func('int getrusage(int who, _Out_ void *usage)'),
  sched_getaffinity: libc.func('int sched_getaffinity(int pid, size_t cpusetsize, _Out_ void *mask)'),
  sched_setaffinity: libc.func('int sched_setaffinity(int pid, size_t cpusetsize, const void *mask)'),
  poll: libc.func('int poll(_Inout_ void *fds, unsigned long nfds, int timeout)'),
  fcntl: libc.func('int fcntl(int fd, int cmd, ...)'),
  inet_pton: libc.func('int inet_pton(int af, const char *src, _Out_ void *dst)'),
  inet_ntop: libc.func('const char *inet_ntop(int af, const void *src, _Out_ void *dst, uint32_t size)'),
  strerror: libc.func('const char *strerror(int errnum)'),
};

export const errno = (): number => koffi.errno();
