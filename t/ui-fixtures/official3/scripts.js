console.log("base");
