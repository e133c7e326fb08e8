/**
 * The {@code clawgo} command line ({@code bin/clawgo}), written with picocli against the public API only. Start at
 * {@link io.clawgo.examples.cli.ClawgoCli} (the commands and the exit codes); each subcommand is one class
 * ({@code GatewayCommand}, {@code NodeCommand}, {@code DispatchCommand}, {@code DemoCommand}), {@code Cli} holds what
 * they share. Not a published API.
 */
package io.clawgo.examples.cli;
