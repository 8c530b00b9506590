/**
 * Private folders and files: the data directory 0700, files that may hold a secret 0600 ({@link
 * io.gantry.runner.files.PrivateFiles}). Depends on nothing else of Gantry.
 */
package io.gantry.runner.files;
