export const fixture = "app";
