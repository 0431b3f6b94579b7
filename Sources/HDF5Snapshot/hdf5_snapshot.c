#define _GNU_SOURCE
#include "hdf5_snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Present only in sanitized builds (make fuzz); weak so that normal builds link. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* ---- The child: pure C after fork (the parent is multithreaded), every exit through _exit. ---- */

/* Names with an address each: a group's links, or the strings a group's attributes hold. */
typedef struct {
    char **names;
    haddr_t *addresses; /* HADDR_UNDEF for soft, external and unusable links */
    size_t count, capacity;
} links;

static int add_link(links *list, const char *name, size_t length, haddr_t address) {
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 16;
        char **names = realloc(list->names, capacity * sizeof *names);
        if (names) list->names = names;
        haddr_t *addresses = realloc(list->addresses, capacity * sizeof *addresses);
        if (addresses) list->addresses = addresses;
        if (!names || !addresses) return 0;
        list->capacity = capacity;
    }
    char *copy = strndup(name, length);
    if (!copy) return 0;
    list->names[list->count] = copy;
    list->addresses[list->count++] = address;
    return 1;
}

static void free_links(links *list) {
    for (size_t i = 0; i < list->count; i++) free(list->names[i]);
    free(list->names);
    free(list->addresses);
}

static herr_t collect_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)group;
    /* A name holding '/' (or ".") would be a path through other links; such members are listed, never walked. */
    int walkable = info->type == H5L_TYPE_HARD && !strchr(name, '/') && strcmp(name, ".") != 0;
    return add_link(data, name, strlen(name), walkable ? info->u.address : HADDR_UNDEF) ? 0 : -1;
}


typedef struct {
    int fd;
    size_t used;
    unsigned char buffer[1 << 16];
} writer;

typedef struct {
    writer *out;
    uint64_t limit;     /* the most bytes one attribute or dataset may expand to */
    uint64_t budget;    /* what all of them together may still expand to */
    unsigned objects;
    int values;
    const char *const *strings; /* the attributes whose values to read; NULL: all */
    unsigned char limits;
    links *named; /* while reading a group's attributes: their strings */
    haddr_t ancestors[HDF5_SNAPSHOT_DEPTH_LIMIT + 1];
} walk;

static void on_sanitizer_death(void) { _exit(HDF5_SNAPSHOT_SANITIZER); }

static void write_all(int fd, const void *bytes, size_t count) {
    const unsigned char *next = bytes;
    while (count > 0) {
        ssize_t written = write(fd, next, count);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) _exit(HDF5_SNAPSHOT_WRITE_FAILED);
        next += written;
        count -= (size_t)written;
    }
}

static void flush(writer *out) {
    write_all(out->fd, out->buffer, out->used);
    out->used = 0;
}

static void put(writer *out, const void *bytes, size_t count) {
    if (out->used + count > sizeof out->buffer) flush(out);
    if (count > sizeof out->buffer) {
        write_all(out->fd, bytes, count);
        return;
    }
    memcpy(out->buffer + out->used, bytes, count);
    out->used += count;
}

static void put_u8(writer *out, unsigned char value) { put(out, &value, 1); }
static void put_u32(writer *out, uint32_t value) { put(out, &value, 4); }
static void put_u64(writer *out, uint64_t value) { put(out, &value, 8); }

static void put_bytes(writer *out, const char *bytes, size_t count) {
    if (count > UINT32_MAX) count = UINT32_MAX;
    put_u32(out, (uint32_t)count);
    put(out, bytes, count);
}

static void put_str(writer *out, const char *text) { put_bytes(out, text, strlen(text)); }

/* Takes `bytes` from the budget; 0 when the attributes and datasets together would exceed it. */
static int spend(walk *state, uint64_t bytes) {
    if (bytes > state->budget) return 0;
    state->budget -= bytes;
    return 1;
}

/* The product of `dims`, or 0 with *ok cleared when it overflows or exceeds `limit`. */
static uint64_t element_count(const hsize_t *dims, int rank, uint64_t limit, int *ok) {
    uint64_t count = 1;
    *ok = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] != 0 && count > limit / dims[i]) {
            *ok = 0;
            return 0;
        }
        count *= dims[i];
    }
    return count;
}

static void put_string_attribute(walk *state, hid_t attribute, hid_t type, uint64_t count) {
    writer *out = state->out;
    hid_t memory = H5Tcopy(H5T_C_S1);
    if (H5Tis_variable_str(type) > 0) {
        H5Tset_size(memory, H5T_VARIABLE);
        H5Tset_cset(memory, H5Tget_cset(type));
        /* The pointers libhdf5 fills count against the limits too. */
        char **strings = NULL;
        if (count > state->limit / sizeof *strings || !spend(state, count * sizeof *strings)) {
            put_u8(out, 2);
            put_u64(out, count);
        } else if (!(strings = calloc(count, sizeof *strings)) || H5Aread(attribute, memory, strings) < 0) {
            put_u8(out, 4);
        } else {
            uint64_t total = 0;
            for (uint64_t i = 0; i < count; i++) total += strings[i] ? strlen(strings[i]) : 0;
            if (!spend(state, total)) {
                put_u8(out, 2);
                put_u64(out, count);
            } else {
                put_u8(out, 0);
                put_u64(out, count);
                for (uint64_t i = 0; i < count; i++) {
                    const char *text = strings[i] ? strings[i] : "";
                    put_str(out, text);
                    if (state->named) add_link(state->named, text, strlen(text), HADDR_UNDEF);
                }
            }
        }
        if (strings)
            for (uint64_t i = 0; i < count; i++) H5free_memory(strings[i]);
        free(strings);
        H5Tclose(memory);
        return;
    }
    /* One byte more than the file's width, so a string filling its width (NULLPAD, as h5py writes numpy `S`
       arrays) keeps its last character when libhdf5 adds the terminator. */
    uint64_t width = H5Tget_size(type) + 1;
    hsize_t shape[2] = {count, width};
    int ok;
    uint64_t bytes = element_count(shape, 2, state->limit, &ok);
    if (!ok || !spend(state, bytes)) {
        put_u8(out, 3);
        put_u64(out, count);
        put_u64(out, width - 1);
    } else {
        char *buffer = calloc(bytes ? bytes : 1, 1);
        H5Tset_size(memory, width);
        if (!buffer || H5Aread(attribute, memory, buffer) < 0) {
            put_u8(out, 4);
        } else {
            put_u8(out, 0);
            put_u64(out, count);
            for (uint64_t i = 0; i < count; i++) {
                size_t length = strnlen(buffer + i * width, width);
                put_bytes(out, buffer + i * width, length);
                if (state->named) add_link(state->named, buffer + i * width, length, HADDR_UNDEF);
            }
        }
        free(buffer);
    }
    H5Tclose(memory);
}

static herr_t put_attribute(hid_t owner, const char *name, const H5A_info_t *info, void *data) {
    (void)info;
    walk *state = data;
    writer *out = state->out;
    put_u8(out, 'A');
    put_str(out, name);
    int wanted = !state->strings;
    for (const char *const *next = state->strings; next && *next && !wanted; next++) wanted = strcmp(*next, name) == 0;
    /* Every attribute read is more of libhdf5 run on the file: it crashes and hangs decoding some. */
    if (!wanted) {
        put_u8(out, 5);
        return 0;
    }
    hid_t attribute = H5Aopen(owner, name, H5P_DEFAULT);
    if (attribute < 0) {
        put_u8(out, 4);
        return 0;
    }
    hid_t type = H5Aget_type(attribute), space = H5Aget_space(attribute);
    hssize_t points = H5Sget_simple_extent_npoints(space);
    if (type < 0 || space < 0) {
        put_u8(out, 4);
    } else if (points < 0 || (uint64_t)points > state->limit) {
        put_u8(out, 2);
        put_u64(out, (uint64_t)points);
    } else if (points == 0) {
        /* h5py stores an empty list (a layer without weights) as an empty float array. */
        put_u8(out, 0);
        put_u64(out, 0);
    } else if (H5Tget_class(type) != H5T_STRING) {
        put_u8(out, 1);
    } else {
        put_string_attribute(state, attribute, type, (uint64_t)points);
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Aclose(attribute);
    return 0;
}

static void put_dataset(walk *state, hid_t dataset) {
    writer *out = state->out;
    hid_t space = H5Dget_space(dataset), type = H5Dget_type(dataset);
    int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    hsize_t dims[H5S_MAX_RANK] = {0};
    if (type < 0 || rank < 0 || rank > H5S_MAX_RANK || H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
        put_u8(out, 4);
        put_u32(out, 0);
    } else {
        int ok;
        uint64_t count = element_count(dims, rank, state->limit / 4, &ok);
        unsigned char status = H5Tget_class(type) != H5T_FLOAT ? 1 : !ok || !spend(state, count * 4) ? 2 : 0;
        uint64_t stored = 0, needed = 0;
        if (status == 0 && !state->values) status = 5;
        if (status == 0) {
            /* libhdf5 1.10 copies compact data from a null buffer when a damaged header records less data than the
               shape needs; contiguous data shorter than its shape is a truncated file. */
            hid_t properties = H5Dget_create_plist(dataset);
            H5D_layout_t layout = H5Pget_layout(properties);
            H5Pclose(properties);
            stored = H5Dget_storage_size(dataset);
            if (__builtin_mul_overflow(count, (uint64_t)H5Tget_size(type), &needed)) needed = UINT64_MAX;
            if ((layout == H5D_COMPACT && stored < needed) || (layout == H5D_CONTIGUOUS && stored != 0 && stored < needed))
                status = 3;
        }
        float *values = NULL;
        if (status == 0) {
            values = malloc(count ? count * 4 : 1);
            if (!values || H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) status = 4;
        }
        put_u8(out, status);
        put_u32(out, (uint32_t)rank);
        for (int i = 0; i < rank; i++) put_u64(out, dims[i]);
        if (status == 0) put(out, values, count * 4);
        if (status == 3) {
            put_u64(out, stored);
            put_u64(out, needed);
        }
        free(values);
    }
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
}

static void put_object(walk *state, hid_t object, const char *path, int depth);

/* Walks `member` (at `address`) as `name` inside the group at `path`, within the depth and object limits. */
static void put_member(walk *state, hid_t member, haddr_t address, const char *path, const char *name, int depth) {
    for (int level = 0; level <= depth; level++)
        if (state->ancestors[level] == address) return;
    if (depth + 1 > HDF5_SNAPSHOT_DEPTH_LIMIT) {
        state->limits |= 1;
        return;
    }
    if (state->objects >= HDF5_SNAPSHOT_OBJECT_LIMIT) {
        state->limits |= 2;
        return;
    }
    state->objects++;
    char *memberPath = malloc(strlen(path) + strlen(name) + 2);
    if (!memberPath) return;
    strcpy(memberPath, path);
    if (*path) strcat(memberPath, "/");
    strcat(memberPath, name);
    state->ancestors[depth + 1] = address;
    put_object(state, member, memberPath, depth + 1);
    free(memberPath);
}

/* Opens the object `relative` (a path such as "conv1/conv") names from `group` through hard links only;
   *address is the last link's. */
static hid_t open_hard_path(hid_t group, const char *relative, haddr_t *address) {
    char *copy = strdup(relative), *rest = copy, *component;
    hid_t current = -1;
    while (copy && (component = strsep(&rest, "/"))) {
        H5L_info_t info;
        hid_t from = current < 0 ? group : current;
        int usable = *component && strcmp(component, ".") != 0 && strcmp(component, "..") != 0 &&
                     H5Lget_info(from, component, &info, H5P_DEFAULT) >= 0 && info.type == H5L_TYPE_HARD;
        hid_t next = usable ? H5Oopen_by_addr(from, info.u.address) : -1;
        if (current >= 0) H5Oclose(current);
        current = next;
        if (current < 0) break;
        *address = info.u.address;
    }
    free(copy);
    return current;
}

static void put_object(walk *state, hid_t object, const char *path, int depth) {
    writer *out = state->out;
    H5I_type_t kind = H5Iget_type(object);
    put_u8(out, 'O');
    put_str(out, path);
    put_u8(out, kind == H5I_GROUP ? 0 : kind == H5I_DATASET ? 1 : 2);
    links named = {0};
    state->named = kind == H5I_GROUP ? &named : NULL;
    H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, NULL, put_attribute, state);
    state->named = NULL;
    if (kind == H5I_DATASET) {
        put_u8(out, 'D');
        put_dataset(state, object);
    } else if (kind == H5I_GROUP) {
        links list = {0};
        int complete = H5Literate(object, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_link, &list) >= 0;
        put_u8(out, 'M');
        put_u8(out, (unsigned char)complete);
        put_u64(out, list.count);
        for (size_t i = 0; i < list.count; i++) put_str(out, list.names[i]);
        for (size_t i = 0; i < list.count; i++) {
            if (list.addresses[i] == HADDR_UNDEF) continue;
            hid_t member = H5Oopen_by_addr(object, list.addresses[i]);
            if (member < 0) continue;
            put_member(state, member, list.addresses[i], path, list.names[i], depth);
            H5Oclose(member);
        }
        /* A damaged link index can fail to list a group whose members are still found by name (Keras 2 files name
           their layers and weights in attributes), so those names are looked up one by one. */
        for (size_t i = 0; !complete && i < named.count; i++) {
            haddr_t address = HADDR_UNDEF;
            hid_t member = open_hard_path(object, named.names[i], &address);
            if (member < 0) continue;
            put_member(state, member, address, path, named.names[i], depth);
            H5Oclose(member);
        }
        free_links(&list);
    }
    free_links(&named);
}

static void reset_signals(void) {
    const int deadly[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGALRM, SIGPIPE, SIGXCPU, SIGXFSZ};
    for (size_t i = 0; i < sizeof deadly / sizeof *deadly; i++) signal(deadly[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void run_child(int fd, const char *path, uint64_t expansion_limit, unsigned seconds, int options,
                      const char *const *strings) {
    int fault = options & 15;
    reset_signals();
    /* Under a sanitizer (make fuzz) a memory error in libhdf5 ends the child with a status of its own: no crash
       report or artifact as if the fuzzer itself had failed. */
    if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(on_sanitizer_death);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
    }
    alarm(seconds);
    if (fault == HDF5_SNAPSHOT_FAULT_SEGV) raise(SIGSEGV);
    if (fault == HDF5_SNAPSHOT_FAULT_HANG)
        for (;;) pause();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) _exit(HDF5_SNAPSHOT_UNOPENABLE);
    hid_t root = H5Oopen(file, "/", H5P_DEFAULT);
    if (root < 0) _exit(HDF5_SNAPSHOT_UNOPENABLE);
    static writer out;
    out.fd = fd;
    static walk state;
    state.out = &out;
    state.limit = expansion_limit;
    state.budget = expansion_limit;
    state.values = !(options & HDF5_SNAPSHOT_NO_VALUES);
    state.strings = strings;
    state.ancestors[0] = HADDR_UNDEF;
    put(&out, "PH5SNAP1", 8);
    put_object(&state, root, "", 0);
    put_u8(&out, 'E');
    put_u8(&out, state.limits);
    flush(&out);
    /* No H5Fclose: _exit releases everything, and libhdf5's own cleanup would run code on a damaged file again. */
    _exit(0);
}

/* ---- The parent. ---- */

static long long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Reads the child's output until end of file, `max_bytes` or the deadline; returns the ending so far. */
static int read_output(int fd, size_t max_bytes, long long deadline, hdf5_snapshot *result) {
    size_t capacity = 0;
    for (;;) {
        if (result->count == capacity) {
            if (capacity > max_bytes) return HDF5_SNAPSHOT_TOO_LARGE;
            size_t grown = capacity ? capacity * 2 : 1 << 16;
            if (grown > max_bytes + 1) grown = max_bytes + 1;
            unsigned char *bytes = realloc(result->bytes, grown);
            if (!bytes) return HDF5_SNAPSHOT_TOO_LARGE;
            result->bytes = bytes;
            capacity = grown;
        }
        if (deadline) {
            long long left = deadline - now_ms();
            struct pollfd ready = {.fd = fd, .events = POLLIN};
            int polled = left > 0 ? poll(&ready, 1, left > 60000 ? 60000 : (int)left) : 0;
            if (polled < 0 && errno == EINTR) continue;
            if (polled == 0 && now_ms() >= deadline) return HDF5_SNAPSHOT_TIMED_OUT;
            if (polled <= 0) continue;
        }
        ssize_t got = read(fd, result->bytes + result->count, capacity - result->count);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return result->count > max_bytes ? HDF5_SNAPSHOT_TOO_LARGE : HDF5_SNAPSHOT_EXITED;
        result->count += (size_t)got;
    }
}

int hdf5_snapshot_take(const char *path, uint64_t expansion_limit, size_t max_bytes, unsigned seconds, int options,
                       const char *const *strings, hdf5_snapshot *result) {
    memset(result, 0, sizeof *result);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        result->ending = HDF5_SNAPSHOT_NOT_STARTED;
        result->code = errno;
        return result->ending;
    }
    pid_t child = fork();
    if (child < 0) {
        result->ending = HDF5_SNAPSHOT_NOT_STARTED;
        result->code = errno;
        close(fds[0]);
        close(fds[1]);
        return result->ending;
    }
    if (child == 0) {
        close(fds[0]);
        run_child(fds[1], path, expansion_limit, seconds, options, strings);
    }
    close(fds[1]);
    /* The child's alarm ends it after `seconds`; the parent waits a little longer in case it cannot. */
    long long deadline = seconds ? now_ms() + (long long)seconds * 1000 + 5000 : 0;
    int ending = read_output(fds[0], max_bytes, deadline, result);
    if (ending != HDF5_SNAPSHOT_EXITED) kill(child, SIGKILL);
    close(fds[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    result->ending = ending;
    if (ending == HDF5_SNAPSHOT_TIMED_OUT) {
        result->code = (int)seconds;
    } else if (ending == HDF5_SNAPSHOT_EXITED && WIFSIGNALED(status)) {
        int signal = WTERMSIG(status);
        result->ending = signal == SIGALRM ? HDF5_SNAPSHOT_TIMED_OUT : HDF5_SNAPSHOT_SIGNALLED;
        result->code = signal == SIGALRM ? (int)seconds : signal;
    } else if (ending == HDF5_SNAPSHOT_EXITED) {
        result->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return result->ending;
}

void hdf5_snapshot_release(hdf5_snapshot *snapshot) {
    free(snapshot->bytes);
    snapshot->bytes = NULL;
    snapshot->count = 0;
}
