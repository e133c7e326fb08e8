/** clawgo-java public API. */
package io.clawgo;
