// SPDX-License-Identifier: GPL-2.0
/*
 * The example program of docs' rpmsg notes (section 2), unchanged except
 * for the device path: /dev/rpmsg0 becomes /dev/zc1-echo (the kernel-hosted
 * link's channel "echo", served by the emulated firmware's echo).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#define RPMSG_DEVICE "/dev/zc1-echo"  // Path to the RPMsg device

int main() {
    int fd = open(RPMSG_DEVICE, O_RDWR);
    if (fd < 0) {
        perror("Failed to open RPMsg device");
        return -1;
    }

    // Sending a message to the remote processor
    const char *msg = "Hello from userspace";
    ssize_t bytes_written = write(fd, msg, strlen(msg));
    if (bytes_written < 0) {
        perror("Failed to write to RPMsg device");
        close(fd);
        return -1;
    }

    printf("Message sent to RPMsg device\n");

    // Reading a message from the RPMsg device
    char buffer[256];
    ssize_t bytes_read = read(fd, buffer, sizeof(buffer));
    if (bytes_read < 0) {
        perror("Failed to read from RPMsg device");
        close(fd);
        return -1;
    }

    buffer[bytes_read] = '\0';  // Null-terminate the message
    printf("Received message: %s\n", buffer);

    // Close the RPMsg device
    close(fd);

    return 0;
}
