/**
 * The AWS SDK for Java v2 as Gantry uses it, shared by the AWS actions and the deploy package:
 * {@link io.gantry.runner.aws.AwsEnvironment} reads region, credentials, endpoints ({@code
 * AWS_ENDPOINT_URL_<SERVICE>}, {@code AWS_ENDPOINT_URL}) and proxy from a step's environment as the
 * SDKs read a process's; {@link io.gantry.runner.aws.AwsClients} builds bounded STS, ECR and ECS
 * clients from it alone (never the JVM's environment, system properties or {@code ~/.aws}); {@link
 * io.gantry.runner.aws.StsCalls} makes the STS calls; {@link io.gantry.runner.aws.AwsFailures}
 * turns an SDK failure into one line with the fix, carried by {@link
 * io.gantry.runner.aws.AwsProblem}. Depends on nothing else of Gantry.
 */
package io.gantry.runner.aws;
