package io.gantry.cli;

/** The {@code gantry} command line. */
public final class Gantry {

  private Gantry() {}

  public static void main(String[] args) {
    System.out.println("gantry");
  }
}
